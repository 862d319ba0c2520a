import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { expectOptionsError } from '@yunpian-kit/adapter-contract'
import { OtpService, YunpianClient } from '@yunpian-kit/core'
import { startFakeYunpian } from '@yunpian-kit/testing'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { otpRouter, problemHandler, reportsWebhook, yunpian } from '../src/index.js'

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

async function services() {
  const fake = await startFakeYunpian()
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })
  opened.push(fake, client)
  const otp = new OtpService({
    client,
    secret: 'express-secret-express-secret-express-secret',
    message: ({ code }) => `【Acme】Your code is ${code}.`,
    countries: ['GB'],
  })
  return { fake, client, otp }
}

describe('@yunpian-kit/express', () => {
  it('wrong options throw when the middleware is created, naming the option', () => {
    expectOptionsError(
      () => yunpian({ client: {} as never, otp: {} as never }),
      'client',
      'Invalid @yunpian-kit/express yunpian() options: client: got an object; must be a YunpianClient',
    )
    expectOptionsError(
      () => reportsWebhook({ secret: 'short', onStatus: () => {} }),
      'secret',
      'Invalid @yunpian-kit/express reportsWebhook() options: secret: got a string of 5 characters (redacted); must be a string of at least 16 characters, hard to guess',
    )
    expectOptionsError(() => reportsWebhook({ secret: 'x'.repeat(20) }), 'onStatus', /onStatus, onReply/)
    expectOptionsError(
      () => reportsWebhook({ secret: 'x'.repeat(20), onReply: () => {} }),
      'apikey',
      /apikey: got nothing; is required with onReply/,
    )
    expectOptionsError(
      () => otpRouter({ onVerified: 'yes' as never }),
      'onVerified',
      'Invalid @yunpian-kit/express otpRouter() options: onVerified: got "yes" (3 characters); must be a function',
    )
  })

  it('req.yunpian reaches the app’s own routes, and problemHandler renders toolkit errors', async () => {
    const { fake, client, otp } = await services()
    const app = express()
    app.use(yunpian({ client, otp }))
    app.post('/mine', async (req) => {
      await req.yunpian!.client.sms.singleSend({ mobile: 'nope', text: '' })
    })
    app.get('/balance', async (req, res) => {
      res.json({ balance: (await req.yunpian!.client.user.get()).balance })
    })
    app.use(problemHandler({ report: () => {} }))
    const url = await listen(app)
    const r = await fetch(`${url}/mine`, { method: 'POST' })
    expect(r.status).toBe(400)
    expect(r.headers.get('content-type')).toMatch(/problem\+json/)
    expect(await (await fetch(`${url}/balance`)).json()).toEqual({ balance: 1000 })
    expect(fake.calls.get('user/get')).toBe(1)
  })

  it('the webhook works behind an app-wide urlencoded parser', async () => {
    const seen: string[] = []
    const app = express()
    app.use(express.urlencoded({ extended: false }))
    app.use(
      '/hooks',
      reportsWebhook({ secret: 's'.repeat(20), onStatus: (r) => void seen.push(...r.map((x) => x.sid)) }),
    )
    const url = await listen(app)
    const body = `sms_status=${encodeURIComponent('[{"sid":7,"uid":null,"user_receive_time":"2024-05-06 07:08:09","error_msg":"DELIVRD","mobile":"13800138000","report_status":"SUCCESS"}]')}`
    const r = await fetch(`${url}/hooks/${'s'.repeat(20)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
    expect(await r.text()).toBe('SUCCESS')
    expect(seen).toEqual(['7'])
  })

  it('uses the framework’s client address, so trust proxy applies, IPv6 grouped by /64', async () => {
    const { otp } = await services()
    const keys: string[] = []
    const app = express()
    app.set('trust proxy', true)
    app.use(
      '/otp',
      otpRouter({
        otp,
        clientKey: undefined,
        report: () => {},
      }),
    )
    const wrapped = express()
    wrapped.set('trust proxy', true)
    wrapped.use((req, _res, next) => {
      keys.push(req.ip ?? '')
      next()
    })
    wrapped.use(app)
    const url = await listen(wrapped)
    await fetch(`${url}/otp/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '2001:db8:1:2:3:4:5:6' },
      body: JSON.stringify({ mobile: '+447400123456' }),
    })
    expect(keys).toEqual(['2001:db8:1:2:3:4:5:6'])
    const { clientKeyFromAddress } = await import('@yunpian-kit/core/http')
    expect(clientKeyFromAddress('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64')
    expect(clientKeyFromAddress('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(clientKeyFromAddress('::ffff:203.0.113.9')).toBe('203.0.113.9')
  })
})
