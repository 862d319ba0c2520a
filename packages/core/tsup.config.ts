import { packageBuild } from '../../tsup.base.js'

export default packageBuild(
  { index: 'src/index.ts', 'http/index': 'src/http/index.ts' },
  // splitting for both formats: the root and `./http` share one copy of each module (an error thrown by the
  // client is `instanceof` the class the http helpers test for, under `require` too).
  { splitting: true },
)
