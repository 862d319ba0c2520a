import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { expectOptionsError } from '@yunpian-kit/adapter-contract'
import { MemoryThrottleStore, OtpService, YunpianClient } from '@yunpian-kit/core'
import { startFakeYunpian } from '@yunpian-kit/testing'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { otpRouter, otpThrottle, yunpian } from '../src/index.js'

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await x.close()
})

async function listen(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  opened.push({ close: () => new Promise((r) => server.close(() => r())) })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('@yunpian-kit/express limits and headers', () => {
  it('otpThrottle: wrong rules or callbacks throw when it is created, naming what is allowed', () => {
    expectOptionsError(
      () => otpThrottle([]),
      'rules',
      'Invalid @yunpian-kit/express otpThrottle() options: rules: got an array of 0; must be a non-empty list of { name, limit (whole number ≥ 1), windowMs (ms ≥ 1) }',
    )
    expectOptionsError(
      () => otpThrottle([{ name: 'x', limit: 0, windowMs: 1000 }]),
      'rules',
      /whole number ≥ 1/,
    )
    expectOptionsError(
      () => otpThrottle([{ name: 'x', limit: 1, windowMs: 1000 }], { skip: true as never }),
      'skip',
      /skip: got true; must be a function/,
    )
  })

  it('otpThrottle: without yunpian() it needs a store; with one, routes with the same id share it', async () => {
    const store = new MemoryThrottleStore()
    const rules = [{ name: 'shared', limit: 1, windowMs: 60_000 }]
    const app = express()
    app.post('/a', otpThrottle(rules, { store }), (_req, res) => void res.send('a'))
    app.post('/b', otpThrottle(rules, { store }), (_req, res) => void res.send('b'))
    const url = await listen(app)
    expect((await fetch(`${url}/a`, { method: 'POST' })).status).toBe(200)
    expect((await fetch(`${url}/b`, { method: 'POST' })).status).toBe(429)
  })

  it('rateLimitHeaders: false leaves them off a sent code, not off a refusal', async () => {
    const fake = await startFakeYunpian()
    const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })
    opened.push(fake, client)
    const otp = new OtpService({
      client,
      secret: 'express-secret-express-secret-express-secret',
      message: ({ code }) => `【Acme】Your code is ${code}.`,
      countries: ['GB'],
    })
    const app = express()
    app.use(yunpian({ client, otp }))
    app.use('/otp', otpRouter({ rateLimitHeaders: false, report: () => {} }))
    const url = await listen(app)
    const send = () =>
      fetch(`${url}/otp/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mobile: '+447400123456' }),
      })
    const sent = await send()
    expect(sent.status).toBe(202)
    expect(sent.headers.get('ratelimit')).toBeNull()
    expect(sent.headers.get('ratelimit-policy')).toBeNull()
    const refused = await send()
    expect(refused.status).toBe(429)
    expect(refused.headers.get('ratelimit')).toMatch(/^"number-cooldown";r=0;t=\d+$/)
  })
})
