import { packageBuild } from '../../tsup.base.js'

export default packageBuild(
  { index: 'src/index.ts', 'contract/index': 'src/contract/index.ts' },
  // The contract suites run inside the user's vitest.
  { external: ['vitest'] },
)
