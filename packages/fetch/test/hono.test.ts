import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { expectOptionsError } from '@yunpian-kit/adapter-contract'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { problemHandler, type YunpianEnv, yunpian, yunpianOtp, yunpianReports } from '../src/hono/index.js'
import { opened, services, UK } from './services.js'

async function listen(app: Hono<YunpianEnv>): Promise<string> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
  await once(server, 'listening')
  opened.push({ close: () => new Promise((resolve) => server.close(() => resolve())) })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
})

describe('@yunpian-kit/fetch/hono', () => {
  it('wrong options throw when the middleware is created, naming the option', () => {
    expectOptionsError(
      () => yunpian({ client: {} as never, otp: {} as never }),
      'client',
      'Invalid @yunpian-kit/fetch/hono yunpian() options: client: got an object; must be a YunpianClient',
    )
    expectOptionsError(() => yunpianOtp({} as never), 'clientKey', /clientKey: got nothing; is required/)
    expectOptionsError(
      () => yunpianOtp({ clientKey: () => 'k', onVerified: 'yes' as never }),
      'onVerified',
      'Invalid @yunpian-kit/fetch/hono yunpianOtp() options: onVerified: got "yes" (3 characters); must be a function',
    )
    expectOptionsError(
      () => yunpianReports({ secret: 'short', onStatus: () => {} }),
      'secret',
      /^Invalid @yunpian-kit\/fetch\/hono yunpianReports\(\) options: secret: got a string of 5 characters \(redacted\)/,
    )
    expectOptionsError(
      () => yunpianReports({ secret: 'x'.repeat(20), onReply: () => {} }),
      'apikey',
      /apikey: got nothing; is required with onReply, to check reply signatures/,
    )
  })

  it('c.var.yunpian reaches the app’s own routes, typed; problemHandler renders toolkit errors only', async () => {
    const { client, otp } = await services()
    const app = new Hono()
      .use(yunpian({ client, otp }))
      .get('/balance', async (c) => c.json({ balance: (await c.var.yunpian.client.user.get()).balance }))
      .post('/mine', async (c) => {
        await c.var.yunpian.otp.send({ mobile: 'nope', clientKey: 'k', purpose: 'login' })
        return c.text('unreachable')
      })
      .get('/boom', () => {
        throw new Error('mine')
      })
    app.onError(problemHandler({ report: () => {}, fallback: (_error, c) => c.text('app error', 500) }))
    expect(await (await app.request('/balance')).json()).toEqual({ balance: expect.any(Number) })
    const mine = await app.request('/mine', { method: 'POST' })
    expect(mine.status).toBe(400)
    expect(mine.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(await mine.json()).toMatchObject({ code: 'invalid_request', errors: [{ field: 'mobile' }] })
    const boom = await app.request('/boom')
    expect([boom.status, await boom.text()]).toEqual([500, 'app error'])
  })

  it('yunpianOtp takes its service from options without yunpian(), and says what is missing otherwise', async () => {
    const { fake, otp } = await services()
    const verified: string[] = []
    const app = new Hono<YunpianEnv>()
    app.route('/given', yunpianOtp({ otp, clientKey: () => 'k', onVerified: (m) => void verified.push(m) }))
    app.route('/missing', yunpianOtp({ clientKey: () => 'k' }))
    const errors: unknown[] = []
    // The missing service is a bad-options error of the toolkit: its 500 problem document, and the report.
    app.onError(problemHandler({ report: (error) => errors.push(error) }))
    expect((await app.request('/given/send', json({ mobile: UK }))).status).toBe(202)
    const code = fake.outbox.lastCode(UK)!
    expect((await app.request('/given/verify', json({ mobile: UK, code }))).status).toBe(200)
    expect(verified).toEqual([UK])
    const missing = await app.request('/missing/send', json({ mobile: UK }))
    expect(missing.status).toBe(500)
    expect(await missing.text()).not.toMatch(/yunpian\(/)
    expect(errors).toEqual([expect.objectContaining({ name: 'YunpianOptionsError', option: 'otp' })])
    expect(String(errors[0])).toMatch(/use yunpian\(\{ client, otp \}\) before yunpianOtp\(\)/)
  })

  it('on @hono/node-server, a chunked body over 16 KiB is answered 413', async () => {
    const { otp } = await services()
    const app = new Hono<YunpianEnv>().route('/otp', yunpianOtp({ otp, clientKey: () => 'k' }))
    const url = await listen(app)
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array(4096).fill(0x61)),
    })
    const r = await fetch(`${url}/otp/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit)
    expect(r.status).toBe(413)
    expect(await r.json()).toMatchObject({ code: 'payload_too_large' })
  })
})
