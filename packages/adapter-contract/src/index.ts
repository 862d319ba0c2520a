import {
  MemoryOtpStore,
  MemoryThrottleStore,
  type ThrottleStore,
  ThrottleStoreError,
} from '@yunpian-kit/core'
import { replySignature } from '@yunpian-kit/testing'
import { describe, expect, it } from 'vitest'
import { describeOtpAttacks } from './attacks.js'
import {
  contractApps,
  expectProblem,
  FORM as form,
  SECRET,
  SG,
  type StartApp,
  statusBody,
  UK,
} from './harness.js'
import { type ContractFeatures, describeParity } from './parity.js'

export {
  type AdapterSetup,
  APP_ROUTE_LIMIT,
  type AppParser,
  type AppRouteLimit,
  type RunningApp,
  type StartApp,
} from './harness.js'
export { expectOptionsError } from './options.js'
export type { ContractFeatures } from './parity.js'

/**
 * Every row of the adapter contract, over real HTTP, against the fake Yunpian. Each adapter runs
 * it unchanged: Express, Fastify, NestJS on both platforms.
 */
export function describeAdapterContract(
  name: string,
  start: StartApp,
  features: ContractFeatures = {},
): void {
  describe(`adapter contract: ${name}`, () => {
    const app = contractApps(start)

    describe('POST /otp/send and /otp/verify', () => {
      it('sends a code (202) and verifies it (200), then runs onVerified', async () => {
        const a = await app()
        const sent = await a.post('/otp/send', { mobile: UK })
        expect(sent.status).toBe(202)
        expect(sent.body).toEqual({ status: 'sent', expiresIn: 300, resendIn: 60 })
        const code = a.fake.outbox.lastCode(UK)!
        const verified = await a.post('/otp/verify', { mobile: UK, code })
        expect(verified.status).toBe(200)
        expect(verified.body).toEqual({ status: 'verified' })
        expect(a.verified).toEqual([UK])
      })

      it('takes form bodies too', async () => {
        const a = await app()
        const sent = await a.post(
          '/otp/send',
          `mobile=${encodeURIComponent(UK)}`,
          'application/x-www-form-urlencoded',
        )
        expect(sent.status).toBe(202)
      })

      it('400 invalid_request with errors for a malformed body or number', async () => {
        const a = await app()
        const missing = await a.post('/otp/send', {})
        expectProblem(missing, 400, 'invalid_request')
        expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'mobile' })])
        const bad = await a.post('/otp/send', { mobile: '12345' })
        expectProblem(bad, 400, 'invalid_request')
        expect(bad.body.errors).toEqual([
          expect.objectContaining({ field: 'mobile', message: expect.any(String) }),
        ])
        expectProblem(await a.post('/otp/send', '{"mobile":', 'application/json'), 400, 'invalid_request')
        expectProblem(await a.post('/otp/verify', { mobile: UK, code: 'abc' }), 400, 'invalid_request')
        expect(a.fake.calls.size).toBe(0)
      })

      it('403 country_not_allowed and risk_rejected', async () => {
        const a = await app()
        expectProblem(await a.post('/otp/send', { mobile: '+33612345678' }), 403, 'country_not_allowed')
        expectProblem(await a.post('/otp/send', { mobile: UK, captchaToken: 'bot' }), 403, 'risk_rejected')
        expect(a.fake.calls.size).toBe(0)
      })

      it('429 rate_limited with Retry-After, RateLimit-Policy and RateLimit when resending too early', async () => {
        const a = await app()
        await a.post('/otp/send', { mobile: UK })
        const again = await a.post('/otp/send', { mobile: UK })
        expectProblem(again, 429, 'rate_limited')
        expect(again.body.rule).toBe('number-cooldown')
        expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(50)
        expect(again.headers.get('ratelimit-policy')).toBe('"number-cooldown";q=1;w=60')
        expect(again.headers.get('ratelimit')).toMatch(/^"number-cooldown";r=0;t=\d+$/)
      })

      it('429 for Yunpian’s own rate codes, with its rule', async () => {
        const a = await app({ fake: { rules: { antiBombing: true } } })
        await a.client.sms.singleSend({ mobile: UK, text: '【Acme】Your code is 111111.' })
        const r = await a.post('/otp/send', { mobile: UK })
        expectProblem(r, 429, 'rate_limited')
        expect(r.body.rule).toBe('yunpian-code-30s')
        expect(r.headers.get('retry-after')).toBe('30')
      })

      it('502 provider_rejected, without Yunpian’s detail', async () => {
        const a = await app({ fake: { templates: [{ text: '【Other】#x#' }] } })
        const r = await a.post('/otp/send', { mobile: UK })
        expectProblem(r, 502, 'provider_rejected')
        expect(r.text).not.toContain('未找到') // the fake's detail for code 5 stays in the log
      })

      it('503 unavailable when the throttle store is down: fail closed, nothing sent', async () => {
        const down: ThrottleStore = {
          consume: async () => {
            throw new ThrottleStoreError('down')
          },
          refund: async () => {},
          reset: async () => {},
        }
        const a = await app({ otp: { throttle: down } })
        const r = await a.post('/otp/send', { mobile: UK })
        expectProblem(r, 503, 'unavailable')
        expect(r.headers.get('retry-after')).toBeTruthy()
        expect(a.fake.outbox.size).toBe(0)
        expectProblem(await a.post('/otp/verify', { mobile: UK, code: '123456' }), 503, 'unavailable')
      })

      it('503 unavailable when Yunpian is unreachable', async () => {
        const a = await app()
        a.fake.fault('hang')
        expectProblem(await a.post('/otp/send', { mobile: UK }), 503, 'unavailable')
      })

      it('401 code_invalid, the same for wrong, expired and unknown', async () => {
        let now = Date.now()
        const a = await app({
          otp: {
            throttle: new MemoryThrottleStore({ now: () => now }),
            codes: new MemoryOtpStore({ now: () => now }),
          },
        })
        const unknown = await a.post('/otp/verify', { mobile: SG, code: '123456' })
        await a.post('/otp/send', { mobile: UK })
        const code = a.fake.outbox.lastCode(UK)!
        const wrong = await a.post('/otp/verify', {
          mobile: UK,
          code: code === '000000' ? '111111' : '000000',
        })
        now += 6 * 60_000
        const expired = await a.post('/otp/verify', { mobile: UK, code })
        for (const r of [unknown, wrong, expired]) expectProblem(r, 401, 'code_invalid')
        expect(new Set([unknown.text, wrong.text, expired.text]).size).toBe(1)
      })

      it('a used-up code answers 401 like any wrong one; 429 comes from the client’s failed-verify budget', async () => {
        const a = await app()
        await a.post('/otp/send', { mobile: UK })
        const code = a.fake.outbox.lastCode(UK)!
        const wrong = code === '000000' ? '111111' : '000000'
        for (let i = 0; i < 5; i++) await a.post('/otp/verify', { mobile: UK, code: wrong })
        expectProblem(await a.post('/otp/verify', { mobile: UK, code }), 401, 'code_invalid')
        for (let i = 0; i < 4; i++) await a.post('/otp/verify', { mobile: UK, code: wrong })
        const limited = await a.post('/otp/verify', { mobile: UK, code })
        expectProblem(limited, 429, 'rate_limited')
        expect(limited.body.rule).toBe('failed-verify-client-5min')
        expect(limited.headers.get('retry-after')).toBeTruthy()
        expect(limited.headers.get('ratelimit-policy')).toBe('"failed-verify-client-5min";q=10;w=300')
      })

      it('no answer carries the apikey', async () => {
        const a = await app({ fake: { templates: [{ text: '【Other】#x#' }] } })
        const answers = [await a.post('/otp/send', { mobile: UK }), await a.post('/otp/send', {})]
        for (const r of answers) expect(r.text).not.toContain(a.fake.apikey)
      })
    })

    describe('POST /yunpian/reports/{secret}', () => {
      it('404 for a wrong or missing secret', async () => {
        const a = await app()
        expect(
          (await a.post('/yunpian/reports/wrong-secret-0123456789abcd', statusBody('1'), form)).status,
        ).toBe(404)
        expect((await a.post('/yunpian/reports', statusBody('1'), form)).status).toBe(404)
        expect(a.statuses).toEqual([])
      })

      it('413 for a body over 256 KiB', async () => {
        const a = await app()
        const r = await a.post(`/yunpian/reports/${SECRET}`, `sms_status=${'x'.repeat(300 * 1024)}`, form)
        expect(r.status).toBe(413)
      })

      it('400 for a body that is not a push', async () => {
        const a = await app()
        const r = await a.post(`/yunpian/reports/${SECRET}`, 'hello=world', form)
        expectProblem(r, 400, 'invalid_request')
      })

      it('200 SUCCESS (text/plain), onStatus once per report however often it is pushed', async () => {
        const a = await app()
        for (let i = 0; i < 3; i++) {
          const r = await a.post(`/yunpian/reports/${SECRET}`, statusBody('9007199254740993'), form)
          expect(r.status).toBe(200)
          expect(r.text).toBe('SUCCESS')
          expect(r.headers.get('content-type')).toMatch(/^text\/plain/)
        }
        expect(a.statuses.map((s) => s.sid)).toEqual(['9007199254740993'])
      })

      it('a failing onStatus gets the report again on Yunpian’s retry', async () => {
        let failures = 1
        const handled: string[] = []
        const a = await app({
          onStatus: (reports) => {
            if (failures-- > 0) throw new Error('database down')
            handled.push(...reports.map((r) => r.sid))
          },
        })
        const first = await a.post(`/yunpian/reports/${SECRET}`, statusBody('42'), form)
        expect(first.text).not.toBe('SUCCESS')
        const retry = await a.post(`/yunpian/reports/${SECRET}`, statusBody('42'), form)
        expect(retry.text).toBe('SUCCESS')
        expect(handled).toEqual(['42'])
      })

      it('accepts signed reply pushes and refuses unsigned ones', async () => {
        const a = await app()
        const record: Record<string, string> = {
          id: 'r1',
          mobile: '13800138000',
          text: 'STOP',
          reply_time: '2024-05-06 07:08:09',
          extend: '',
          base_extend: '8888',
        }
        const signed = { ...record, _sign: replySignature(record, a.fake.apikey) }
        const ok = await a.post(
          `/yunpian/reports/${SECRET}`,
          `sms_reply=${encodeURIComponent(JSON.stringify(signed))}`,
          form,
        )
        expect(ok.text).toBe('SUCCESS')
        expect(a.replies.map((r) => r.text)).toEqual(['STOP'])
        const forged = await a.post(
          `/yunpian/reports/${SECRET}`,
          `sms_reply=${encodeURIComponent(JSON.stringify({ ...record, _sign: '0'.repeat(32) }))}`,
          form,
        )
        expect(forged.status).toBe(400)
      })

      it('takes the fake Yunpian’s real pushes end to end', async () => {
        const a = await app()
        const sent = await a.client.sms.singleSend({
          mobile: '13800138000',
          text: '【Acme】hello',
          callbackUrl: `${a.url}/yunpian/reports/${SECRET}`,
        })
        await a.fake.reportsSettled()
        expect(a.statuses.map((s) => s.sid)).toEqual([sent.sid])
      })
    })
    describeParity(app, features)
  })
  describeOtpAttacks(name, start)
}
