import { packageBuild } from '../../tsup.base.js'

export default packageBuild(
  { index: 'src/index.ts', 'hono/index': 'src/hono/index.ts' },
  // Hono is the app's own (an optional peer), never bundled.
  { external: ['hono'] },
)
