import type { Options } from 'tsup'

/** How every published package builds: ESM and CommonJS, types for both, for Node 20. */
export function packageBuild(entry: Options['entry'] = ['src/index.ts'], extra: Options = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    ...extra,
  }
}
