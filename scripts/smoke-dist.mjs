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
  const cjs = require(manifest.name)
  const esm = await import(pathToFileURL(require.resolve(manifest.name).replace(/\.cjs$/, '.js')).href)
  const missing = Object.keys(esm).filter((key) => !(key in cjs))
  if (missing.length > 0) throw new Error(`${manifest.name}: the require build lacks ${missing.join(', ')}`)
  loaded[manifest.name] = cjs
  console.log(`ok ${manifest.name}: ${Object.keys(esm).length} exports via import and require`)
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
