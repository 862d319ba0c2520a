import {
  MemoryDedupeStore,
  MemoryOtpStore,
  MemoryThrottleStore,
  OtpService,
  type OtpServiceOptions,
  YunpianClient,
} from '@yunpian-kit/core'
import { type FakeYunpianOptions, startFakeYunpian } from '@yunpian-kit/testing'
import { afterEach, describe, expect, it } from 'vitest'
import type { StartApp } from './index.js'

const UK = '+447400123456'
const HOUR = 3_600_000
/** Every request of these tests comes from 127.0.0.1: one client. Where a test is about other budgets, its own is wide. */
const WIDE = [{ name: 'wide', limit: 1_000_000, windowMs: HOUR }]
const ukNumber = (i: number) => `+447400${String(i).padStart(6, '0')}`

/**
 * The attacks of issue 14 over real HTTP: each turned a defence against the app's own users before the fix
 * (a full store answering 503 to everyone, strangers locking numbers, unbounded guessing, two identities
 * for one person, "system busy" as a provider refusal).
 */
export function describeOtpAttacks(name: string, start: StartApp): void {
  describe(`adapter contract, attacks: ${name}`, () => {
    const opened: { close(): Promise<void> }[] = []
    afterEach(async () => {
      for (const x of opened.splice(0).reverse()) await x.close()
    })

    async function app(otpOptions: Partial<OtpServiceOptions> = {}, fakeOptions: FakeYunpianOptions = {}) {
      const fake = await startFakeYunpian({ rules: false, ...fakeOptions })
      const client = new YunpianClient({
        apikey: fake.apikey,
        baseUrl: fake.url,
        retries: 0,
        timeoutMs: 1_000,
      })
      opened.push(fake, client)
      const throttle = new MemoryThrottleStore()
      const codes = new MemoryOtpStore()
      const verified: string[] = []
      const otp = new OtpService({
        client,
        secret: 'contract-secret-contract-secret-contract',
        message: ({ code }) => `【Acme】Your code is ${code}.`,
        countries: ['GB', 'SG', 'CN'],
        throttle,
        codes,
        warn: () => undefined,
        ...otpOptions,
      })
      const running = await start({
        client,
        otp,
        prefix: '/otp',
        onVerified: (mobile) => void verified.push(mobile),
        webhook: {
          path: '/yunpian/reports',
          secret: 'webhook-secret-0123456789abcdef',
          apikey: fake.apikey,
          dedupe: new MemoryDedupeStore(),
          onStatus: () => undefined,
          onReply: () => undefined,
        },
      })
      opened.push(running)
      const post = async (path: string, body: unknown) => {
        const response = await fetch(`${running.url}/otp${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
        const text = await response.text()
        return {
          status: response.status,
          headers: response.headers,
          body: JSON.parse(text) as Record<string, unknown>,
        }
      }
      return { fake, otp, throttle, codes, verified, post }
    }

    it('store flooding: a store full of blind-verify state serves a real user, whose state outlives the flood’s', async () => {
      const CAP = 100
      const throttle = new MemoryThrottleStore({ maxKeys: CAP })
      // The HTTP flood's own budget is spent by exactly its requests, so whether its state is still held shows.
      const HTTP_FLOOD = 20
      const budget = [{ name: 'flood', limit: HTTP_FLOOD, windowMs: HOUR }]
      const a = await app({ throttle, limits: { failedVerifiesPerClient: budget } })
      // Distinct clients (a botnet, IPv6 /64s) through the service the adapter calls, three times the cap:
      // over HTTP every request here comes from 127.0.0.1, one client, which can only ever make one key.
      const botnet = async (from: number) => {
        for (let i = from; i < from + 3 * CAP; i++)
          await a.otp.verify({ mobile: ukNumber(i), code: '123456', clientKey: `bot${i}` })
      }
      // Full, never past the cap (it sheds a batch of 1% when a new key finds it full).
      const expectFull = () => expect(throttle.size).toBeOneOf([CAP - 1, CAP])
      await botnet(0)
      expectFull()

      // (a) Blind verifies over HTTP for distinct numbers into the full store: all answered, the store bounded.
      const blind = await Promise.all(
        Array.from({ length: HTTP_FLOOD }, (_, i) =>
          a.post('/verify', { mobile: ukNumber(10_000 + i), code: '123456' }),
        ),
      )
      expect(blind.map((r) => r.status)).toEqual(Array(HTTP_FLOOD).fill(401))
      expect((await a.post('/verify', { mobile: ukNumber(10_000), code: '123456' })).status).toBe(429)
      expect((await a.post('/verify', { mobile: '+33612345678', code: '123456' })).status).toBe(403)
      expectFull()

      // (b) A real user is served from the full store, and the flood goes on.
      expect((await a.post('/send', { mobile: UK })).status).toBe(202)
      await botnet(3 * CAP)
      expectFull()
      // The failed verifies' state went first: the HTTP flood's spent budget is gone (401, not 429)…
      expect((await a.post('/verify', { mobile: ukNumber(10_000), code: '123456' })).status).toBe(401)
      // …while the user's send budgets were kept (the cooldown still holds), and the code verifies.
      const resend = await a.post('/send', { mobile: UK })
      expect(resend.status).toBe(429)
      expect(resend.body.rule).toBe('number-cooldown')
      expect((await a.post('/verify', { mobile: UK, code: a.fake.outbox.lastCode(UK)! })).status).toBe(200)
      expect(a.verified).toEqual([UK])
    })

    it('lockout by strangers: ten wrong codes for a number with no code leave its owner untouched', async () => {
      const a = await app({ limits: { failedVerifiesPerClient: WIDE } })
      for (let i = 0; i < 10; i++)
        expect((await a.post('/verify', { mobile: UK, code: '000000' })).status).toBe(401)
      expect((await a.post('/send', { mobile: UK })).status).toBe(202)
      expect((await a.post('/verify', { mobile: UK, code: a.fake.outbox.lastCode(UK)! })).status).toBe(200)
      expect(a.verified).toEqual([UK])
    })

    it('guessing across numbers: one client’s concurrent guesses over 20 pending codes are bounded by its budget', async () => {
      const a = await app({ limits: { perClient: WIDE } })
      const pending = Array.from({ length: 20 }, (_, i) => ukNumber(i))
      for (const mobile of pending) expect((await a.post('/send', { mobile })).status).toBe(202)
      // Two guesses per code, all at once: four times the budget of 10, and within each code's own 5 attempts.
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => a.post('/verify', { mobile: pending[i % 20], code: '123456' })),
      )
      expect(answers.filter((r) => r.status === 401)).toHaveLength(10)
      const limited = answers.filter((r) => r.status === 429)
      expect(limited).toHaveLength(30)
      expect(limited[0]!.body).toMatchObject({ code: 'rate_limited', rule: 'failed-verify-client-5min' })
      expect(limited[0]!.headers.get('retry-after')).toBeTruthy()
    })

    it('no oracle: the same requests get the same answers whether the number has a code or not', async () => {
      const run = async (withCode: boolean) => {
        const a = await app()
        if (withCode) await a.post('/send', { mobile: UK })
        const code = withCode ? a.fake.outbox.lastCode(UK)! : '000000'
        const guess = code === '999999' ? '999998' : '999999'
        const answers = []
        for (let i = 0; i < 12; i++) {
          const r = await a.post('/verify', { mobile: UK, code: guess })
          answers.push([r.status, r.body.code, r.body.rule])
        }
        return answers
      }
      const [pending, none] = [await run(true), await run(false)]
      expect(pending).toEqual(none)
      expect(pending.map(([status]) => status)).toEqual([...Array(10).fill(401), 429, 429])
    })

    it('cheap refusals on verify touch no store: an invalid number is 400 and says so, a country not served 403', async () => {
      const a = await app()
      const invalid = await a.post('/verify', { mobile: '+447700900123', code: '123456' })
      expect(invalid.status).toBe(400)
      expect(invalid.body.errors).toEqual([
        { field: 'mobile', message: expect.stringMatching(/not a valid phone number/) },
      ])
      expect((await a.post('/verify', { mobile: '+33612345678', code: '123456' })).status).toBe(403)
      expect((await a.post('/send', { mobile: '+33612345678' })).status).toBe(403)
      expect(a.throttle.size + a.codes.size).toBe(0)
    })

    it('identity: onVerified gets the canonical E.164 number, whatever form the request used', async () => {
      const a = await app()
      await a.post('/send', { mobile: UK })
      expect(
        (await a.post('/verify', { mobile: '+4407400123456', code: a.fake.outbox.lastCode(UK) })).status,
      ).toBe(200)
      await a.post('/send', { mobile: '13800138000' })
      const code = a.fake.outbox.lastCode('13800138000')
      expect((await a.post('/verify', { mobile: '+8613800138000', code })).status).toBe(200)
      expect(a.verified).toEqual([UK, '+8613800138000'])
    })

    it('provider trouble: Yunpian’s "system busy" is 503 unavailable with Retry-After, and the number may ask again', async () => {
      const a = await app()
      a.fake.fault('system-busy', { endpoint: 'sms/single_send' })
      const busy = await a.post('/send', { mobile: UK })
      expect(busy.status).toBe(503)
      expect(busy.body.code).toBe('unavailable')
      expect(Number(busy.headers.get('retry-after'))).toBeGreaterThan(0)
      expect((await a.post('/send', { mobile: UK })).status).toBe(202)
    })

    it('test numbers: no SMS, the fixed code verifies, onVerified gets E.164', async () => {
      const a = await app({ testNumbers: { '+447400000001': '246810' } })
      expect((await a.post('/send', { mobile: '+447400000001' })).status).toBe(202)
      expect(a.fake.calls.size).toBe(0)
      expect((await a.post('/verify', { mobile: '+447400000001', code: '246810' })).status).toBe(200)
      expect(a.verified).toEqual(['+447400000001'])
    })
  })
}
