import { packageBuild } from '../../tsup.base.js'

// The suites run inside the user's vitest, against the user's core: neither is bundled.
export default packageBuild(['src/index.ts'], { external: ['vitest', '@yunpian-kit/core'] })
