import { defineConfig } from 'tsup'

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
  },
  // The bin is ESM only (top-level await); it never needs a require path.
  { entry: ['src/cli.ts'], format: ['esm'], sourcemap: true, target: 'node20' },
])
