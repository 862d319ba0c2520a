// Loads every built package through its published entry points, `import` and `require`, and sends one
// SMS with the CommonJS build against the CommonJS fake: proof that the `require` path works, not just
// that files exist.
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const root = new URL('../packages/', import.meta.url)
const loaded = {}
for (const dir of readdirSync(root)) {
  const manifestPath = join(root.pathname, dir, 'package.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  if (manifest.private || !manifest.exports) continue
  const require = createRequire(manifestPath)
  // Every entry point the package publishes (`.`, `./http`, …), not just the root.
  for (const subpath of Object.keys(manifest.exports).filter((key) => key !== './package.json')) {
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`
    const esm = await import(pathToFileURL(require.resolve(specifier).replace(/\.cjs$/, '.js')).href)
    let cjs
    try {
      cjs = require(specifier)
    } catch (error) {
      // Test suites run inside the user's vitest, which loads them as ESM and refuses require() itself.
      if (
        !manifest.peerDependencies?.vitest ||
        !/Vitest cannot be imported in a CommonJS module/.test(error.message)
      )
        throw error
      console.log(`ok ${specifier}: ${Object.keys(esm).length} exports via import (vitest refuses require)`)
      continue
    }
    const missing = Object.keys(esm).filter((key) => !(key in cjs))
    if (missing.length > 0) throw new Error(`${specifier}: the require build lacks ${missing.join(', ')}`)
    loaded[specifier] = cjs
    console.log(`ok ${specifier}: ${Object.keys(esm).length} exports via import and require`)
  }
}

const { startFakeYunpian } = loaded['@yunpian-kit/testing']
const { YunpianClient } = loaded['@yunpian-kit/core']
const fake = await startFakeYunpian()
const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })
const result = await client.sms.singleSend({ mobile: '13800138000', text: '【Smoke】require path works' })
await client.close()
await fake.close()
if (result.code !== 0 || fake.outbox.size !== 1) throw new Error('the CommonJS client did not send')
console.log(`ok CommonJS client sent sid ${result.sid}`)

// The root and `./http` share their modules (one copy of each error class), so the http helpers recognise
// the client's errors under require too.
const { YunpianValidationError } = loaded['@yunpian-kit/core']
const answer = loaded['@yunpian-kit/core/http'].problemFor(new YunpianValidationError('smoke', []), () => {})
if (answer.status !== 400) throw new Error(`core/http does not know core's errors: ${answer.status}`)
console.log("ok @yunpian-kit/core/http maps the root build's errors")
