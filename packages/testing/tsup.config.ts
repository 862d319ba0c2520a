import { packageBuild } from '../../tsup.base.js'

export default [
  packageBuild(),
  // The bin is ESM only (top-level await); it never needs a require path.
  { entry: ['src/cli.ts'], format: ['esm' as const], sourcemap: true, target: 'node20' },
]
