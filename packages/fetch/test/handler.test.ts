import { expectOptionsError } from '@yunpian-kit/adapter-contract'
import { MemoryDedupeStore, YunpianValidationError } from '@yunpian-kit/core'
import { describe, expect, it } from 'vitest'
import { problemResponse, yunpianHandler } from '../src/index.js'
import { serveHandler } from './node-server.js'
import { services as base, opened, UK } from './services.js'

const SECRET = 'fetch-webhook-secret-0123456789'
/** One code a minute per client, so a second client shows its own budget. */
const services = () => base({ perClient: [{ name: 'client-1min', limit: 1, windowMs: 60_000 }] })

/** A body that never ends on its own, counting what the reader pulled and whether it was cancelled. */
function endless(chunk = 1024) {
  const seen = { pulled: 0, cancelled: false }
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        seen.pulled += chunk
        controller.enqueue(new Uint8Array(chunk).fill(0x61))
      },
      cancel() {
        seen.cancelled = true
      },
      // Nothing is pulled before a reader asks.
    },
    { highWaterMark: 0 },
  )
  return { body, seen }
}

const post = (path: string, init: RequestInit & { duplex?: 'half' } = {}) =>
  new Request(`https://app.example${path}`, { method: 'POST', ...init })

describe('yunpianHandler', () => {
  it('refuses wrong options when it is created, naming the option', async () => {
    const { otp } = await services()
    expectOptionsError(
      () => yunpianHandler({ otp, routes: {} as never }),
      'routes.clientKey',
      /^Invalid @yunpian-kit\/fetch yunpianHandler\(\) options: routes\.clientKey: got nothing; is required: a function/,
    )
    expectOptionsError(
      () => yunpianHandler({ otp: {} as never, routes: { clientKey: () => 'k' } }),
      'otp',
      'Invalid @yunpian-kit/fetch yunpianHandler() options: otp: got an object; must be an OtpService (or pass routes: false)',
    )
    expectOptionsError(
      () => yunpianHandler({ routes: false, webhook: { secret: 'short', onStatus: () => {} } }),
      'webhook.secret',
      /webhook\.secret: got a string of 5 characters \(redacted\); must be a string of at least 16 characters/,
    )
    expectOptionsError(
      () => yunpianHandler({ routes: false, webhook: { secret: SECRET } }),
      'webhook.onStatus',
      /onStatus, onReply/,
    )
    expectOptionsError(
      () => yunpianHandler({ routes: false, webhook: { secret: SECRET, onReply: () => {} } }),
      'webhook.apikey',
      /apikey: got nothing; is required with onReply/,
    )
    expectOptionsError(
      () => yunpianHandler({ routes: false }),
      'routes',
      /routes: got false; .*serve nothing/,
    )
  })

  it('the client key comes from the app’s function: one client’s budget is not another’s', async () => {
    const { otp } = await services()
    const handler = yunpianHandler({
      otp,
      routes: { clientKey: (request) => request.headers.get('x-test-client') ?? 'none' },
    })
    const send = (client: string, mobile: string) =>
      handler(
        post('/otp/send', {
          headers: { 'content-type': 'application/json', 'x-test-client': client },
          body: JSON.stringify({ mobile }),
        }),
      )
    expect((await send('a', UK)).status).toBe(202)
    const second = await send('a', '+447400123457')
    expect(second.status).toBe(429)
    expect(await second.json()).toMatchObject({ rule: 'client-1min' })
    expect((await send('b', '+447400123457')).status).toBe(202)
  })

  it('stops reading an OTP body at 16 KiB while it streams, and cancels the rest', async () => {
    const { otp } = await services()
    const handler = yunpianHandler({ otp, routes: { clientKey: () => 'k' } })
    const { body, seen } = endless()
    const r = await handler(
      post('/otp/send', { headers: { 'content-type': 'application/json' }, body, duplex: 'half' }),
    )
    expect(r.status).toBe(413)
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(await r.json()).toMatchObject({ code: 'payload_too_large', status: 413 })
    expect(seen.cancelled).toBe(true)
    // The reader may have a chunk or two queued ahead; never the whole (endless) body.
    expect(seen.pulled).toBeLessThanOrEqual(16 * 1024 + 4 * 1024)
  })

  it('refuses a declared Content-Length over the limit before reading a byte', async () => {
    const { otp } = await services()
    const handler = yunpianHandler({
      otp,
      routes: { clientKey: () => 'k' },
      webhook: { secret: SECRET, onStatus: () => {} },
    })
    for (const [path, declared] of [
      ['/otp/send', 16 * 1024 + 1],
      [`/yunpian/reports/${SECRET}`, 256 * 1024 + 1],
    ] as const) {
      const { body, seen } = endless()
      const r = await handler(
        post(path, { headers: { 'content-length': String(declared) }, body, duplex: 'half' }),
      )
      expect(r.status).toBe(413)
      expect(seen.pulled).toBe(0)
    }
  })

  it('checks the webhook secret before reading the body, and bounds the body at 256 KiB', async () => {
    const handler = yunpianHandler({ routes: false, webhook: { secret: SECRET, onStatus: () => {} } })
    const wrong = endless()
    const r = await handler(
      post('/yunpian/reports/not-the-secret-0123456789', { body: wrong.body, duplex: 'half' }),
    )
    expect(r.status).toBe(404)
    expect(wrong.seen.pulled).toBe(0)
    const big = endless(16 * 1024)
    const tooBig = await handler(post(`/yunpian/reports/${SECRET}`, { body: big.body, duplex: 'half' }))
    expect(tooBig.status).toBe(413)
    expect(big.seen.cancelled).toBe(true)
    expect(big.seen.pulled).toBeLessThanOrEqual(256 * 1024 + 64 * 1024)
  })

  it('400 for a body that is neither JSON nor a form; 404 for other methods and paths', async () => {
    const { otp } = await services()
    const handler = yunpianHandler({ otp, routes: { prefix: '/api/otp/', clientKey: () => 'k' } })
    const text = await handler(
      post('/api/otp/send', { headers: { 'content-type': 'text/plain' }, body: `mobile=${UK}` }),
    )
    expect(text.status).toBe(400)
    expect(await text.json()).toMatchObject({ code: 'invalid_request' })
    expect((await handler(new Request('https://app.example/api/otp/send'))).status).toBe(404)
    const elsewhere = await handler(post('/otp/send', { body: '{}' }))
    expect(elsewhere.status).toBe(404)
    expect(await elsewhere.json()).toMatchObject({ code: 'not_found' })
    const query = await handler(
      post('/api/otp/send?x=1', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mobile: UK }),
      }),
    )
    expect(query.status).toBe(202)
  })

  it('passes the request to onVerified and the webhook handlers', async () => {
    const { fake, otp } = await services()
    const seen: string[] = []
    const handler = yunpianHandler({
      otp,
      routes: {
        clientKey: () => 'k',
        onVerified: (mobile, request) => void seen.push(`${mobile} ${request.headers.get('x-session')}`),
      },
      webhook: {
        secret: SECRET,
        dedupe: new MemoryDedupeStore(),
        onStatus: (reports, request) => void seen.push(`${reports[0]?.sid} ${request.headers.get('x-push')}`),
      },
    })
    const json = { 'content-type': 'application/json' }
    await handler(post('/otp/send', { headers: json, body: JSON.stringify({ mobile: UK }) }))
    const code = fake.outbox.lastCode(UK)!
    const ok = await handler(
      post('/otp/verify', {
        headers: { ...json, 'x-session': 's1' },
        body: JSON.stringify({ mobile: UK, code }),
      }),
    )
    expect(ok.status).toBe(200)
    const push = `sms_status=${encodeURIComponent(
      '[{"sid":7,"uid":null,"user_receive_time":"2024-05-06 07:08:09","error_msg":"DELIVRD","mobile":"13800138000","report_status":"SUCCESS"}]',
    )}`
    const acked = await handler(
      post(`/yunpian/reports/${SECRET}`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-push': 'p1' },
        body: push,
      }),
    )
    expect(await acked.text()).toBe('SUCCESS')
    expect(seen).toEqual([`${UK} s1`, '7 p1'])
  })

  it('problemResponse renders toolkit errors from the app’s own routes, and leaves others alone', async () => {
    const r = problemResponse(
      new YunpianValidationError('bad', [{ field: 'mobile', message: 'not a number' }]),
    )
    expect(r?.status).toBe(400)
    expect(await r?.json()).toMatchObject({ code: 'invalid_request', errors: [{ field: 'mobile' }] })
    expect(problemResponse(new Error('mine'))).toBeUndefined()
  })

  it('behind node:http, a chunked body over the limit is answered 413', async () => {
    const { otp } = await services()
    const app = await serveHandler(yunpianHandler({ otp, routes: { clientKey: () => 'k' } }))
    opened.push(app)
    const { body } = endless(4096)
    const r = await fetch(`${app.url}/otp/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit)
    expect(r.status).toBe(413)
  })
})
