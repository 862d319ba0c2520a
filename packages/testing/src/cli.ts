#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { startFakeYunpian } from './server.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    apikey: { type: 'string' },
    'anti-bombing': { type: 'boolean', default: false },
    'no-rules': { type: 'boolean', default: false },
    'push-url': { type: 'string' },
    quiet: { type: 'boolean', short: 'q', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (values.help) {
  console.log(`yunpian-fake: a fake Yunpian SMS server on loopback

  --port N          port to listen on (default 8787; 0 picks one)
  --host H          address (default 127.0.0.1)
  --apikey KEY      the apikey to accept (default the FAKE_APIKEY constant)
  --anti-bombing    enforce Yunpian's verification-code limits (codes 33, 22, 17)
  --no-rules        no per-recipient limits at all
  --push-url URL    where to push delivery reports when a send has no callback_url
  --quiet           do not print each accepted message`)
  process.exit(0)
}

const fake = await startFakeYunpian({
  port: Number(values.port),
  host: values.host,
  ...(values.apikey ? { apikey: values.apikey } : {}),
  rules: values['no-rules'] ? false : { antiBombing: values['anti-bombing'] },
  reports: values['push-url'] ? { pushUrl: values['push-url'] } : {},
})
console.log(`fake Yunpian listening on ${fake.url} (apikey ${fake.apikey}); Ctrl-C to stop`)
let shown = 0
const timer = setInterval(() => {
  if (!values.quiet)
    for (const m of fake.outbox.all().slice(shown)) console.log(`sms ${m.sid} to ${m.mobile}: ${m.text}`)
  shown = fake.outbox.size
}, 250)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    clearInterval(timer)
    void fake.close().then(() => process.exit(0))
  })
}
