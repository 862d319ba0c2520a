import { describe, expect, it } from 'vitest'
import {
  OtpCountryNotAllowedError,
  OtpRateLimitedError,
  OtpRiskRejectedError,
  OtpService,
  type OtpServiceOptions,
  type OtpStore,
  type ThrottleStore,
  ThrottleStoreError,
  YunpianApiError,
  YunpianClient,
  YunpianOptionsError,
  YunpianValidationError,
} from '../src/index.js'
import { rejection } from './helpers.js'
import { message, NUMBERS, SECRET, setup, wrongFor } from './otp-setup.js'

const { SG, UK } = NUMBERS

describe('OtpService: send and verify against the fake Yunpian', () => {
  it('sends a 6-digit code and verifies it once', async () => {
    const { otp, fake, codeOf } = await setup()
    const sent = await otp.send({ mobile: UK, clientKey: '203.0.113.7' })
    expect(sent).toMatchObject({ expiresIn: 300, resendIn: 60 })
    expect(sent.sid).toBe(fake.outbox.last(UK)?.sid)
    expect(fake.outbox.last(UK)?.text).toMatch(/^【Acme】Your code is \d{6}\. It expires in 5 minutes\.$/)
    const code = codeOf(UK)
    // `remaining`: the client's failed verifies left (10 in 5 minutes); a right code spends none.
    expect(await otp.verify({ clientKey: 'c', mobile: UK, code })).toEqual({
      ok: true,
      mobile: UK,
      remaining: 10,
    })
    expect(await otp.verify({ clientKey: 'c', mobile: UK, code })).toEqual({
      ok: false,
      reason: 'invalid',
      remaining: 9,
    })
  })

  it('sends mainland numbers without +86, as Yunpian wants them', async () => {
    const { otp, fake, codeOf } = await setup()
    await otp.send({ mobile: '13800138000', clientKey: 'c' })
    expect(fake.outbox.last('13800138000')?.mobile).toBe('13800138000')
    expect(
      await otp.verify({ clientKey: 'c', mobile: '+8613800138000', code: codeOf('13800138000') }),
    ).toMatchObject({
      ok: true,
      mobile: '+8613800138000',
    })
  })

  it('of two concurrent right answers, exactly one succeeds', async () => {
    const { otp, codeOf } = await setup()
    await otp.send({ mobile: UK, clientKey: 'c' })
    const code = codeOf(UK)
    const results = await Promise.all([
      otp.verify({ clientKey: 'c', mobile: UK, code }),
      otp.verify({ clientKey: 'c', mobile: UK, code }),
    ])
    expect(results.filter((r) => r.ok)).toHaveLength(1)
  })

  it('five wrong codes kill the code, nothing more: the right one then reads invalid, the next code works', async () => {
    const { otp, codeOf, events, clock } = await setup()
    await otp.send({ mobile: UK, clientKey: 'c' })
    const code = codeOf(UK)
    const wrong = wrongFor(code)
    for (let i = 0; i < 5; i++)
      expect(await otp.verify({ clientKey: 'c', mobile: UK, code: wrong })).toMatchObject({
        ok: false,
        reason: 'invalid',
      })
    // Used up reads exactly as wrong or unknown: 401, not 429, so it tells nothing.
    expect(await otp.verify({ clientKey: 'c', mobile: UK, code })).toMatchObject({
      ok: false,
      reason: 'invalid',
    })
    expect(events.filter((e) => e.type === 'failed')).toHaveLength(6)
    clock.advance(61_000)
    await otp.send({ mobile: UK, clientKey: 'c' })
    expect(await otp.verify({ clientKey: 'owner', mobile: UK, code: codeOf(UK) })).toMatchObject({
      ok: true,
      mobile: UK,
    })
  })

  it('a resend issues a new code with its own attempts', async () => {
    const { otp, codeOf, clock } = await setup()
    await otp.send({ mobile: UK, clientKey: 'c' })
    for (let i = 0; i < 4; i++) await otp.verify({ clientKey: 'c', mobile: UK, code: wrongFor(codeOf(UK)) })
    clock.advance(61_000)
    await otp.send({ mobile: UK, clientKey: 'c' })
    const fresh = codeOf(UK)
    for (let i = 0; i < 4; i++) await otp.verify({ clientKey: 'c', mobile: UK, code: wrongFor(fresh) })
    expect(await otp.verify({ clientKey: 'c', mobile: UK, code: fresh })).toMatchObject({
      ok: true,
      mobile: UK,
    })
  })

  it('100 concurrent sends to one number put exactly one message in the outbox', async () => {
    const { otp, fake } = await setup()
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => otp.send({ mobile: UK, clientKey: `client-${i}` })),
    )
    expect(fake.outbox.all().filter((m) => m.mobile === UK)).toHaveLength(1)
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []))
    expect(refused.every((e) => e instanceof OtpRateLimitedError && e.scope === 'number')).toBe(true)
  })

  it('the resend cooldown is enforced with a retry time, and lifts when it passes', async () => {
    const { otp, clock } = await setup()
    await otp.send({ mobile: UK, clientKey: 'c' })
    clock.advance(20_000)
    const error = (await rejection(otp.send({ mobile: UK, clientKey: 'c' }))) as OtpRateLimitedError
    expect(error).toBeInstanceOf(OtpRateLimitedError)
    expect(error).toMatchObject({
      scope: 'number',
      rule: 'number-cooldown',
      retryAfterMs: 40_000,
      limit: 1,
      windowMs: 60_000,
    })
    clock.advance(40_000)
    await expect(otp.send({ mobile: UK, clientKey: 'c' })).resolves.toMatchObject({ resendIn: 60 })
  })

  it('a country outside the list and a premium-rate number are refused before any store write or Yunpian call', async () => {
    const { otp, fake, storeLog } = await setup()
    expect(await rejection(otp.send({ mobile: '+33612345678', clientKey: 'c' }))).toBeInstanceOf(
      OtpCountryNotAllowedError,
    )
    const premium = await rejection(otp.send({ mobile: '+449098790000', clientKey: 'c' }))
    expect(premium).toBeInstanceOf(YunpianValidationError)
    expect(premium.message).toMatch(/premium-rate/)
    const tollFree = await rejection(otp.send({ mobile: '+6580012345678', clientKey: 'c' }))
    expect(tollFree).toBeInstanceOf(YunpianValidationError)
    expect(storeLog).toEqual([])
    expect(fake.calls.size).toBe(0)
  })

  it('numberTypes widens or narrows the default mobile-only policy', async () => {
    const { otp, fake } = await setup({ numberTypes: ['FIXED_LINE'] })
    await expect(otp.send({ mobile: '+6560123456', clientKey: 'c' })).resolves.toMatchObject({
      expiresIn: 300,
    })
    const mobile = await rejection(otp.send({ mobile: SG, clientKey: 'c' }))
    expect(mobile.message).toMatch(/this one is mobile/)
    expect(fake.outbox.size).toBe(1)
  })

  it('callbackUrl goes with every code, so its delivery report comes back', async () => {
    const { otp, fake } = await setup({ callbackUrl: 'http://127.0.0.1:9/yunpian/reports/secret' })
    await otp.send({ mobile: UK, clientKey: 'c' })
    expect(fake.outbox.last(UK)?.callbackUrl).toBe('http://127.0.0.1:9/yunpian/reports/secret')
  })

  it('a code expires with its lifetime', async () => {
    const { otp, codeOf, clock } = await setup()
    await otp.send({ mobile: UK, clientKey: 'c' })
    clock.advance(5 * 60_000 + 1)
    expect(await otp.verify({ clientKey: 'c', mobile: UK, code: codeOf(UK) })).toMatchObject({
      ok: false,
      reason: 'invalid',
    })
  })

  it('a code verifies only for its purpose and its number', async () => {
    const { otp, codeOf } = await setup()
    await otp.send({ mobile: UK, clientKey: 'c', purpose: 'reset-password' })
    const code = codeOf(UK)
    expect(await otp.verify({ clientKey: 'c', mobile: UK, code, purpose: 'login' })).toMatchObject({
      ok: false,
      reason: 'invalid',
    })
    expect(await otp.verify({ clientKey: 'c', mobile: SG, code, purpose: 'reset-password' })).toMatchObject({
      ok: false,
      reason: 'invalid',
    })
    expect(await otp.verify({ clientKey: 'c', mobile: UK, code, purpose: 'reset-password' })).toMatchObject({
      ok: true,
      mobile: UK,
    })
  })

  it('wrong, expired and unknown all read the same', async () => {
    const { otp, codeOf, clock } = await setup()
    const unknown = await otp.verify({ clientKey: 'c', mobile: SG, code: '123456' })
    await otp.send({ mobile: UK, clientKey: 'c' })
    const wrong = await otp.verify({ clientKey: 'c', mobile: UK, code: wrongFor(codeOf(UK)) })
    clock.advance(6 * 60_000)
    const expired = await otp.verify({ clientKey: 'c', mobile: UK, code: codeOf(UK) })
    expect([unknown, wrong, expired]).toMatchObject([
      { ok: false, reason: 'invalid' },
      { ok: false, reason: 'invalid' },
      { ok: false, reason: 'invalid' },
    ])
  })

  it('stores neither the code nor the number, in keys or values', async () => {
    const { otp, codeOf, storeLog } = await setup({ codeLength: 8 })
    await otp.send({ mobile: UK, clientKey: '203.0.113.7' })
    const code = codeOf(UK)
    await otp.verify({ clientKey: 'c', mobile: UK, code: wrongFor(code) })
    await otp.verify({ clientKey: 'c', mobile: UK, code })
    expect(storeLog.length).toBeGreaterThan(4)
    const everything = storeLog.join('\n')
    // As a token: an 8-digit code could appear by chance inside a hex digest, never standing alone.
    expect(everything).not.toMatch(new RegExp(`(?<![0-9a-f])${code}(?![0-9a-f])`))
    for (const secret of [UK, UK.slice(1), '7400123456', '203.0.113.7'])
      expect(everything).not.toContain(secret)
  })
})

describe('OtpService: failures close, budgets refund only what proved unsent', () => {
  const failing = (): ThrottleStore & OtpStore => {
    const fail = async () => {
      throw new ThrottleStoreError('store down')
    }
    return { consume: fail, refund: fail, reset: fail, set: fail, verify: fail, delete: fail }
  }

  it('a throwing throttle store: no Yunpian call, the typed store error reaches the caller', async () => {
    const { otp, fake } = await setup({ throttle: failing() })
    expect(await rejection(otp.send({ mobile: UK, clientKey: 'c' }))).toBeInstanceOf(ThrottleStoreError)
    expect(await rejection(otp.verify({ clientKey: 'c', mobile: UK, code: '123456' }))).toBeInstanceOf(
      ThrottleStoreError,
    )
    expect(fake.calls.size).toBe(0)
  })

  it('a throwing code store: no Yunpian call and no code accepted', async () => {
    const { otp, fake } = await setup({ codes: failing() })
    expect(await rejection(otp.send({ mobile: UK, clientKey: 'c' }))).toBeInstanceOf(ThrottleStoreError)
    expect(fake.calls.size).toBe(0)
    expect(await rejection(otp.verify({ clientKey: 'c', mobile: UK, code: '123456' }))).toBeInstanceOf(
      ThrottleStoreError,
    )
  })

  it('Yunpian’s 33 becomes OtpRateLimitedError with its 30 s, and the number budget comes back', async () => {
    const { otp, client, events } = await setup({}, { rules: { antiBombing: true } })
    await client.sms.singleSend({ mobile: UK, text: '【Acme】Your code is 111111.' }) // another sender got there first
    const error = (await rejection(otp.send({ mobile: UK, clientKey: 'c' }))) as OtpRateLimitedError
    expect(error).toBeInstanceOf(OtpRateLimitedError)
    expect(error).toMatchObject({ scope: 'yunpian', rule: 'yunpian-code-30s', retryAfterMs: 30_000 })
    expect((error.cause as YunpianApiError).code).toBe(33)
    expect(events.find((e) => e.type === 'throttled')).toMatchObject({
      scope: 'yunpian',
      rule: 'yunpian-code-30s',
    })
  })

  it('Yunpian’s 22 becomes OtpRateLimitedError with an hour', async () => {
    const { otp, client, fake, clock } = await setup({}, { rules: { antiBombing: true } })
    for (let i = 0; i < 3; i++) {
      await client.sms.singleSend({ mobile: UK, text: `【Acme】Your code is ${i}${i}${i}${i}.` })
      clock.advance(31_000)
    }
    const error = await rejection(otp.send({ mobile: UK, clientKey: 'c' }))
    expect(error).toMatchObject({ scope: 'yunpian', rule: 'yunpian-code-1h', retryAfterMs: 3_600_000 })
    expect(fake.outbox.size).toBe(3)
  })

  it('a refused send refunds the number budget (nothing was sent), not the client or global ones', async () => {
    const { otp, client, clock } = await setup(
      { limits: { perClient: [{ name: 'client-2', limit: 2, windowMs: 3_600_000 }] } },
      { rules: { antiBombing: true } },
    )
    await client.sms.singleSend({ mobile: UK, text: '【Acme】Your code is 111111.' })
    await rejection(otp.send({ mobile: UK, clientKey: 'c' })) // Yunpian 33: number refunded, client spent
    clock.advance(31_000)
    await expect(otp.send({ mobile: UK, clientKey: 'c' })).resolves.toMatchObject({ expiresIn: 300 }) // no cooldown left
    clock.advance(61_000)
    expect(await rejection(otp.send({ mobile: SG, clientKey: 'c' }))).toMatchObject({
      scope: 'client',
      rule: 'client-2',
    })
  })

  it('a content refusal surfaces as YunpianApiError, and the unsent code cannot be used', async () => {
    const { otp, fake, events } = await setup({}, { templates: [{ text: '【Other】#x#' }] })
    const error = await rejection(otp.send({ mobile: UK, clientKey: 'c' }))
    expect(error).toBeInstanceOf(YunpianApiError)
    expect(error).toMatchObject({ code: 5, kind: 'content' })
    expect(fake.outbox.size).toBe(0)
    expect(events.some((e) => e.type === 'provider-error')).toBe(true)
  })

  it('beforeSend can refuse: risk rejected, nothing consumed, nothing sent', async () => {
    const seen: unknown[] = []
    const { otp, fake, storeLog } = await setup({
      beforeSend: (context) => {
        seen.push(context)
        return context.captchaToken === 'human'
      },
    })
    expect(await rejection(otp.send({ mobile: UK, clientKey: 'c' }))).toBeInstanceOf(OtpRiskRejectedError)
    expect(storeLog).toEqual([])
    expect(fake.calls.size).toBe(0)
    await otp.send({ mobile: UK, clientKey: 'c', captchaToken: 'human' })
    expect(seen[1]).toEqual({
      mobile: UK,
      country: 'GB',
      clientKey: 'c',
      purpose: 'login',
      captchaToken: 'human',
    })
  })

  it('per-country and global budgets hold across numbers', async () => {
    const { otp } = await setup({
      limits: {
        perCountry: [{ name: 'sg-2', limit: 2, windowMs: 3_600_000 }],
        global: [{ name: 'all-3', limit: 3, windowMs: 3_600_000 }],
      },
    })
    await otp.send({ mobile: '+6591234567', clientKey: 'a' })
    await otp.send({ mobile: '+6591234568', clientKey: 'b' })
    expect(await rejection(otp.send({ mobile: '+6591234569', clientKey: 'c' }))).toMatchObject({
      scope: 'country',
      rule: 'sg-2',
    })
    await otp.send({ mobile: UK, clientKey: 'd' })
    expect(await rejection(otp.send({ mobile: '+447400123457', clientKey: 'e' }))).toMatchObject({
      scope: 'global',
      rule: 'all-3',
    })
  })

  it('counts verified against sent per country', async () => {
    const { otp, codeOf } = await setup()
    await otp.send({ mobile: UK, clientKey: 'a' })
    await otp.send({ mobile: SG, clientKey: 'b' })
    await otp.verify({ clientKey: 'c', mobile: UK, code: codeOf(UK) })
    const one = { sent: 1, delivered: 0, undelivered: 0 }
    expect(await otp.stats()).toEqual({
      GB: { ...one, verified: 1, ratio: 1, prefixes: { '44740': { ...one, verified: 1, ratio: 1 } } },
      SG: { ...one, verified: 0, ratio: 0, prefixes: { '65912': { ...one, verified: 0, ratio: 0 } } },
    })
  })
})

describe('OtpService options are checked at construction', () => {
  const client = new YunpianClient({ apikey: 'a'.repeat(32) })
  const base = { client, secret: SECRET, message, countries: ['GB'] } as OtpServiceOptions

  it.each([
    ['a missing secret', { secret: undefined }, /secret/],
    ['a short secret', { secret: 'short' }, /secret: .*at least 32 bytes/],
    [
      'a message without a signature',
      { message: ({ code }: { code: string }) => `Code ${code}` },
      /message: .*【】/,
    ],
    ['a message without the code', { message: () => '【Acme】Your code' }, /message: .*must put the code/],
    ['missing countries', { countries: undefined }, /countries: .*is required/],
    ['an unknown country', { countries: ['XX'] }, /countries\[0\]/],
    ['a lifetime over 10 minutes', { ttlMs: 11 * 60_000 }, /ttlMs: .*10 minutes/],
    ['a code of 3 digits', { codeLength: 3 }, /codeLength/],
    [
      'per-number limits looser than Yunpian’s',
      { limits: { perNumber: [{ name: 'loose', limit: 5, windowMs: 60_000 }] } },
      /limits.perNumber: .*Yunpian/,
    ],
    ['an unknown option', { sekret: 'x' }, /sekret: is not a known option/],
  ] as const)('refuses %s, naming the option', (_name, override, pattern) => {
    expect(() => new OtpService({ ...base, ...(override as object) })).toThrow(YunpianOptionsError)
    expect(() => new OtpService({ ...base, ...(override as object) })).toThrow(pattern)
  })

  it('countries "all" is allowed only explicitly, with a start-up warning', () => {
    const warnings: string[] = []
    new OtpService({ ...base, countries: 'all', warn: (m) => warnings.push(m) })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/pumping/)
  })
})
