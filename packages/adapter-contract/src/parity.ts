import { type ThrottleStore, ThrottleStoreError } from '@yunpian-kit/core'
import { describe, expect, it } from 'vitest'
import {
  type AppParser,
  type contractApps,
  expectProblem,
  FORM,
  rawPost,
  SECRET,
  statusBody,
  UK,
} from './harness.js'

type Apps = ReturnType<typeof contractApps>

/** What an adapter's test app serves beyond the toolkit's routes (see `AdapterSetup.app`). */
export interface ContractFeatures {
  /** It mounts the app's own routes `/app/login`, `/app/crash` (and `/app/limited`). */
  appRoutes?: boolean
}

const KiB = 1024
const WRONG_SECRET = 'wrong-secret-0123456789abcdef'

/** A valid push of about `size` bytes: one report and a padding field Yunpian's parser ignores. */
const paddedPush = (sid: string, size: number) => `${statusBody(sid)}&pad=${'x'.repeat(size)}`

/**
 * What the first drive of the contract over real HTTP found to differ between adapters: hostile types,
 * body limits, the secret before the body, app-wide parsers, and the toolkit's errors in the app's own
 * routes. Runs inside `describeAdapterContract`, on every adapter.
 */
export function describeParity(app: Apps, features: ContractFeatures = {}): void {
  describe('RateLimit headers on a sent code too', () => {
    it('202 carries the number’s policy and what is left of it', async () => {
      const a = await app()
      const sent = await a.post('/otp/send', { mobile: UK })
      expect(sent.status).toBe(202)
      expect(sent.headers.get('ratelimit-policy')).toBe(
        '"number-cooldown";q=1;w=60, "number-1h";q=3;w=3600, "number-24h";q=10;w=86400',
      )
      expect(sent.headers.get('ratelimit')).toBe('"number-cooldown";r=0;t=60')
    })
  })

  describe('RateLimit headers on verify’s 200 and 401: the client’s failed-verify budget', () => {
    const policy = '"failed-verify-client-5min";q=10;w=300, "failed-verify-client-1h";q=30;w=3600'

    it('a wrong code spends one; a right code spends none', async () => {
      const a = await app()
      await a.post('/otp/send', { mobile: UK })
      const code = a.fake.outbox.lastCode(UK)!
      const wrong = await a.post('/otp/verify', { mobile: UK, code: code === '000000' ? '111111' : '000000' })
      expectProblem(wrong, 401, 'code_invalid')
      expect(wrong.headers.get('ratelimit-policy')).toBe(policy)
      expect(wrong.headers.get('ratelimit')).toBe('"failed-verify-client-5min";r=9')
      const right = await a.post('/otp/verify', { mobile: UK, code })
      expect(right.status).toBe(200)
      expect(right.headers.get('ratelimit-policy')).toBe(policy)
      expect(right.headers.get('ratelimit')).toBe('"failed-verify-client-5min";r=9')
    })

    it('rateLimitHeaders: false leaves them off the 202, 200 and 401, not off a 429', async () => {
      const a = await app({ rateLimitHeaders: false })
      const sent = await a.post('/otp/send', { mobile: UK })
      const code = a.fake.outbox.lastCode(UK)!
      const wrong = await a.post('/otp/verify', { mobile: UK, code: code === '000000' ? '111111' : '000000' })
      const right = await a.post('/otp/verify', { mobile: UK, code })
      expect([sent.status, wrong.status, right.status]).toEqual([202, 401, 200])
      for (const answer of [sent, wrong, right]) {
        expect(answer.headers.get('ratelimit')).toBeNull()
        expect(answer.headers.get('ratelimit-policy')).toBeNull()
      }
      const refused = await a.post('/otp/send', { mobile: UK })
      expectProblem(refused, 429, 'rate_limited')
      expect(refused.headers.get('ratelimit')).toMatch(/^"number-cooldown";r=0;t=\d+$/)
    })
  })

  describe('an OTP body of another media type', () => {
    it('text/plain is 400 invalid_request, as any malformed body; nothing sent', async () => {
      const a = await app()
      const body = JSON.stringify({ mobile: UK })
      expectProblem(await a.post('/otp/send', body, 'text/plain'), 400, 'invalid_request')
      expectProblem(
        await a.post('/otp/verify', JSON.stringify({ mobile: UK, code: '123456' }), 'text/plain'),
        400,
        'invalid_request',
      )
      expect(a.fake.outbox.size).toBe(0)
    })
  })

  describe('types are never coerced', () => {
    it('400 for a mobile array or number, and for a numeric code; nothing sent or compared', async () => {
      const a = await app()
      for (const body of [{ mobile: [UK] }, { mobile: 447400123456 }, { mobile: UK, captchaToken: 1 }]) {
        expectProblem(await a.post('/otp/send', body), 400, 'invalid_request')
      }
      expect(a.fake.outbox.size).toBe(0)
      await a.post('/otp/send', { mobile: UK })
      const code = a.fake.outbox.lastCode(UK)!
      const numeric = await a.post('/otp/verify', { mobile: UK, code: Number(code) })
      expectProblem(numeric, 400, 'invalid_request')
      expectProblem(await a.post('/otp/verify', { mobile: [UK], code }), 400, 'invalid_request')
      // The malformed attempts cost nothing: the right code still verifies.
      expect((await a.post('/otp/verify', { mobile: UK, code })).status).toBe(200)
    })
  })

  describe('body limits: 16 KiB for the OTP routes, 256 KiB for the webhook', () => {
    it('a body under 16 KiB is read; one over it is 413 payload_too_large, declared or not', async () => {
      const a = await app()
      const padding = 'x'.repeat(12 * KiB)
      expect((await a.post('/otp/send', { mobile: UK, padding })).status).toBe(202)
      const big = JSON.stringify({ mobile: UK, padding: 'x'.repeat(17 * KiB) })
      expectProblem(await a.post('/otp/send', big), 413, 'payload_too_large')
      expectProblem(await a.post('/otp/verify', big), 413, 'payload_too_large')
      expectProblem(
        await a.post('/otp/send', `mobile=${'1'.repeat(1024 * KiB)}`, FORM),
        413,
        'payload_too_large',
      )
      // Chunked, no length declared: counted while read.
      const chunked = await rawPost(a.url, '/otp/send', {
        type: 'application/json',
        chunks: Array.from({ length: 40 }, () => Buffer.from(' '.repeat(KiB))),
      })
      expectProblem(chunked, 413, 'payload_too_large')
      expect(a.fake.outbox.size).toBe(1)
    })

    it('a declared length over the limit is refused before the body arrives', async () => {
      const a = await app()
      const r = await rawPost(a.url, '/otp/send', {
        type: 'application/json',
        contentLength: 1024 * KiB,
        chunks: [Buffer.from('{"mobile":')],
        stall: true,
      })
      expectProblem(r, 413, 'payload_too_large')
    })

    it('a 200 KiB push is taken; over 256 KiB is 413 payload_too_large, declared or not', async () => {
      const a = await app()
      const r = await a.post(`/yunpian/reports/${SECRET}`, paddedPush('5', 200 * KiB), FORM)
      expect(r.status).toBe(200)
      expect(r.text).toBe('SUCCESS')
      expect(a.statuses.map((s) => s.sid)).toEqual(['5'])
      expectProblem(
        await a.post(`/yunpian/reports/${SECRET}`, paddedPush('6', 300 * KiB), FORM),
        413,
        'payload_too_large',
      )
      const chunked = await rawPost(a.url, `/yunpian/reports/${SECRET}`, {
        type: FORM,
        chunks: Array.from({ length: 300 }, () => Buffer.from('x'.repeat(KiB))),
      })
      expectProblem(chunked, 413, 'payload_too_large')
      expect(a.statuses.map((s) => s.sid)).toEqual(['5'])
    })
  })

  describe('the webhook checks its secret before it reads the body', () => {
    it('404 for a wrong secret while the body is still arriving, whatever its declared size', async () => {
      const a = await app()
      for (const contentLength of [undefined, 10 * 1024 * KiB]) {
        const r = await rawPost(a.url, `/yunpian/reports/${WRONG_SECRET}`, {
          type: FORM,
          ...(contentLength === undefined ? {} : { contentLength }),
          chunks: [Buffer.from(statusBody('1'))],
          stall: true,
        })
        expectProblem(r, 404, 'not_found')
      }
      expect(a.statuses).toEqual([])
    })
  })

  describe('the webhook works behind any body parser the app mounted', () => {
    for (const parser of ['text', 'raw', 'urlencoded', 'json'] satisfies AppParser[]) {
      it(`app-wide ${parser} parser: pushes are taken, strangers still get 404`, async () => {
        const a = await app({ appParser: parser })
        const r = await a.post(`/yunpian/reports/${SECRET}`, statusBody('77'), FORM)
        expect(r.status).toBe(200)
        expect(r.text).toBe('SUCCESS')
        expect(a.statuses.map((s) => s.sid)).toEqual(['77'])
        expect((await a.post(`/yunpian/reports/${WRONG_SECRET}`, statusBody('78'), FORM)).status).toBe(404)
        // The OTP routes too.
        expect((await a.post('/otp/send', { mobile: UK })).status).toBe(202)
      })
    }
  })

  // Adapters whose test app has routes of its own (a bare handler has none).
  if (features.appRoutes) {
    describe('the toolkit’s errors in the app’s own routes', () => {
      it('become the contract’s problem documents, revealing nothing of the allow-list', async () => {
        const a = await app()
        const r = await a.post('/app/login', { mobile: '+33612345678' })
        expectProblem(r, 403, 'country_not_allowed')
        expect(r.text).not.toMatch(/GB|SG|allowed countries/)
        expectProblem(await a.post('/app/login', { mobile: 'nope' }), 400, 'invalid_request')
        expect((await a.post('/app/login', { mobile: UK })).body).toEqual({ ok: true })
        const limited = await a.post('/app/login', { mobile: UK })
        expectProblem(limited, 429, 'rate_limited')
        expect(limited.headers.get('retry-after')).toBeTruthy()
      })

      it('every other error is left to the framework', async () => {
        const a = await app()
        const r = await a.post('/app/crash', {})
        expect(r.status).toBe(500)
        expect(r.headers.get('content-type') ?? '').not.toMatch(/problem\+json/)
      })
    })

    describe('limits on the app’s own routes', () => {
      const limited = (a: Awaited<ReturnType<Apps>>, headers: Record<string, string> = {}) =>
        a.post('/app/limited', {}, 'application/json', headers)

      it('the OTP routes’ 429 problem document and headers; RateLimit headers while allowed', async () => {
        const a = await app()
        const first = await limited(a)
        expect(first.status).toBe(200)
        expect(first.body).toEqual({ ok: true })
        expect(first.headers.get('ratelimit-policy')).toBe('"app-route";q=2;w=60')
        expect(first.headers.get('ratelimit')).toBe('"app-route";r=1')
        expect((await limited(a)).headers.get('ratelimit')).toBe('"app-route";r=0')
        const refused = await limited(a)
        expectProblem(refused, 429, 'rate_limited')
        expect(refused.body.rule).toBe('app-route')
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(50)
        expect(refused.headers.get('ratelimit-policy')).toBe('"app-route";q=2;w=60')
        expect(refused.headers.get('ratelimit')).toMatch(/^"app-route";r=0;t=\d+$/)
      })

      it('skip lets requests through uncounted; the key function gives each key its own budget', async () => {
        const a = await app()
        for (let i = 0; i < 4; i++) expect((await limited(a, { 'x-internal': 'yes' })).status).toBe(200)
        for (let i = 0; i < 2; i++) expect((await limited(a, { 'x-user': 'alice' })).status).toBe(200)
        expectProblem(await limited(a, { 'x-user': 'alice' }), 429, 'rate_limited')
        expect((await limited(a, { 'x-user': 'bob' })).status).toBe(200)
        // The skipped requests spent nothing of the default (address) budget.
        expect((await limited(a)).status).toBe(200)
      })

      it('503 unavailable when the store cannot answer: nothing passes', async () => {
        const down: ThrottleStore = {
          consume: async () => {
            throw new ThrottleStoreError('down')
          },
          refund: async () => {},
          reset: async () => {},
        }
        const a = await app({ otp: { throttle: down } })
        expectProblem(await limited(a), 503, 'unavailable')
      })
    })
  }
}
