import { packageBuild } from '../../tsup.base.js'

// shims: import.meta.url in the CommonJS build (createRequire for the url option's ioredis).
export default packageBuild(['src/index.ts'], { shims: true })
