#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { startFakeYunpian } from './server.js'
import { FAKE_APIKEY } from './types.js'

const HELP = `yunpian-fake: a fake Yunpian SMS server on loopback, for tests in any language

  --port N          port to listen on (default 8787; 0 picks a free one)
  --host H          address (default 127.0.0.1)
  --apikey KEY      the apikey to accept (default ${FAKE_APIKEY})
  --anti-bombing    enforce Yunpian's verification-code limits (codes 33, 22, 17)
  --no-rules        no per-recipient limits at all
  --push-url URL    where to push delivery reports when a send has no callback_url
  --quiet           do not print each accepted message

Point your app at it: base URL http://HOST:PORT, the apikey above.
Read what was sent: GET /outbox (all), GET /outbox?mobile=%2B447400123456 (the newest to that number,
with its code), DELETE /outbox (empty it).`

function exit(message: string): never {
  console.error(`yunpian-fake: ${message}`)
  process.exit(1)
}

let values: ReturnType<typeof parse>['values']
function parse() {
  return parseArgs({
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
}
try {
  values = parse().values
} catch (error) {
  exit(`${(error as Error).message} (--help lists the options)`)
}

if (values.help) {
  console.log(HELP)
  process.exit(0)
}
const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65_535)
  exit(`--port must be 0 to 65535, got ${values.port}`)

const fake = await startFakeYunpian({
  port,
  host: values.host,
  ...(values.apikey ? { apikey: values.apikey } : {}),
  rules: values['no-rules'] ? false : { antiBombing: values['anti-bombing'] },
  reports: values['push-url'] ? { pushUrl: values['push-url'] } : {},
}).catch((error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE')
    exit(`port ${port} on ${values.host} is in use; pick another with --port N (0 picks a free one)`)
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
    exit(`cannot listen on ${values.host}: ${error.code}`)
  throw error
})
console.log(`fake Yunpian listening on ${fake.url}
  apikey  ${fake.apikey}
  outbox  ${fake.url}/outbox
Ctrl-C to stop`)
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
