import { describe, expect, it } from 'vitest'
import { problemFor } from '../src/http/index.js'
import {
  OtpCountryNotAllowedError,
  type OtpEvent,
  type OtpRateLimitedError,
  OtpService,
  YunpianApiError,
  YunpianValidationError,
} from '../src/index.js'
import { rejection } from './helpers.js'
import { NUMBERS, setup, wrongFor } from './otp-setup.js'

const { UK } = NUMBERS
const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** Valid UK mobile numbers in one prefix (+44 740…), distinct for distinct `i`. */
const ukNumber = (i: number) => `+447400${String(i).padStart(6, '0')}`

/**
 * The attacks that turn the defences against the app's own users (issue 14), against the memory stores.
 * Each of them passed against the service before the fix: a lockout, a full store, unbounded guessing.
 */
describe('attacks: a defence must not become a weapon (memory stores)', () => {
  it('lockout by strangers: failures for a number with no code cost the caller, never the owner', async () => {
    const { otp, codeOf } = await setup()
    for (let i = 0; i < 10; i++) {
      expect(await otp.verify({ mobile: UK, code: '000000', clientKey: 'stranger' })).toMatchObject({
        ok: false,
        reason: 'invalid',
      })
    }
    await otp.send({ mobile: UK, clientKey: 'owner' })
    expect(await otp.verify({ mobile: UK, code: codeOf(UK), clientKey: 'owner' })).toMatchObject({
      ok: true,
      mobile: UK,
    })
  })

  it('lockout by strangers: burning a pending code kills that code only; the next one verifies', async () => {
    const { otp, codeOf, clock } = await setup()
    for (let round = 0; round < 3; round++) {
      await otp.send({ mobile: UK, clientKey: 'owner' })
      for (let i = 0; i < 5; i++)
        await otp.verify({ mobile: UK, code: wrongFor(codeOf(UK)), clientKey: `stranger${round}` })
      clock.advance(61 * MINUTE)
    }
    await otp.send({ mobile: UK, clientKey: 'owner' })
    expect(await otp.verify({ mobile: UK, code: codeOf(UK), clientKey: 'owner' })).toMatchObject({ ok: true })
  })

  it('guessing across numbers: one client gets 10 compared guesses per 5 minutes and 30 per hour', async () => {
    const { otp, clock, events } = await setup()
    const pending = Array.from({ length: 60 }, (_, i) => ukNumber(i))
    for (const [i, mobile] of pending.entries()) await otp.send({ mobile, clientKey: `user${i}` })
    const guessAll = () =>
      Promise.all(
        Array.from({ length: 600 }, (_, i) =>
          otp.verify({ mobile: pending[i % pending.length]!, code: '123456', clientKey: 'guesser' }),
        ),
      )
    const compared = () => events.filter((e) => e.type === 'failed').length
    // All at once: the budget is spent before comparing, so concurrency cannot outrun it.
    const burst = await guessAll()
    expect(compared()).toBe(10)
    expect(burst.filter((r) => !r.ok && r.reason === 'rate_limited')).toHaveLength(590)
    expect(burst.find((r) => !r.ok && r.reason === 'rate_limited')).toMatchObject({
      rule: 'failed-verify-client-5min',
      limit: 10,
      windowMs: 5 * MINUTE,
    })
    for (let i = 0; i < 4; i++) {
      clock.advance(5 * MINUTE + 1)
      await guessAll()
    }
    expect(compared()).toBe(30)
    const refused = await otp.verify({ mobile: pending[0]!, code: '123456', clientKey: 'guesser' })
    expect(refused).toMatchObject({ ok: false, reason: 'rate_limited', rule: 'failed-verify-client-1h' })
    // Another client, and a right code, are untouched by the guesser's budget.
    expect(await otp.verify({ mobile: UK, code: '123456', clientKey: 'someone' })).toMatchObject({
      ok: false,
      reason: 'invalid',
    })
  })

  it('a right code gives its failed-verify budget back', async () => {
    const { otp, codeOf, clock } = await setup()
    for (let i = 0; i < 9; i++) await otp.verify({ mobile: UK, code: '000000', clientKey: 'c' })
    for (let i = 0; i < 3; i++) {
      await otp.send({ mobile: ukNumber(i), clientKey: 'c' })
      expect(
        await otp.verify({ mobile: ukNumber(i), code: codeOf(ukNumber(i)), clientKey: 'c' }),
      ).toMatchObject({ ok: true })
      clock.advance(MINUTE)
    }
    expect(await otp.verify({ mobile: UK, code: '000000', clientKey: 'c' })).toMatchObject({
      ok: false,
      reason: 'invalid',
    })
  })

  it('failures in all raise an event when they cross the alert level, and never refuse a right code', async () => {
    const { otp, codeOf, events } = await setup({
      limits: { failedVerifiesAlert: [{ name: 'alert-20', limit: 20, windowMs: HOUR }] },
    })
    await otp.send({ mobile: UK, clientKey: 'owner' })
    for (let i = 0; i < 50; i++)
      await otp.verify({ mobile: ukNumber(i), code: '000000', clientKey: `bot${i}` })
    expect(events.filter((e) => e.type === 'verify-failures-high')).toEqual([
      { type: 'verify-failures-high', rule: 'alert-20', limit: 20, windowMs: HOUR },
    ])
    expect(await otp.verify({ mobile: UK, code: codeOf(UK), clientKey: 'owner' })).toMatchObject({ ok: true })
  })

  it('no oracle: the same requests get the same answers whether the number has a code or not', async () => {
    const sequence = async (withCode: boolean) => {
      const { otp, codeOf } = await setup()
      if (withCode) await otp.send({ mobile: UK, clientKey: 'owner' })
      const guess = withCode ? wrongFor(codeOf(UK)) : '000000'
      const answers = []
      for (let i = 0; i < 12; i++) answers.push(await otp.verify({ mobile: UK, code: guess, clientKey: 'x' }))
      return answers
    }
    const [pending, none] = [await sequence(true), await sequence(false)]
    expect(pending).toEqual(none)
    expect(pending.slice(0, 10).every((a) => !a.ok && a.reason === 'invalid')).toBe(true)
    expect(pending.slice(10).every((a) => !a.ok && a.reason === 'rate_limited')).toBe(true)
  })

  it('cheap refusals touch no store, for verify too, and an invalid number says it is invalid', async () => {
    const { otp, storeLog, fake } = await setup()
    const invalid = await rejection(otp.verify({ mobile: '+447700900123', code: '123456', clientKey: 'c' }))
    expect(invalid).toBeInstanceOf(YunpianValidationError)
    expect(invalid.message).toMatch(/not a valid phone number/)
    const sendInvalid = await rejection(otp.send({ mobile: '+447700900123', clientKey: 'c' }))
    expect(sendInvalid).toBeInstanceOf(YunpianValidationError)
    expect(sendInvalid.message).toMatch(/not a valid phone number/)
    expect(
      await rejection(otp.verify({ mobile: '+33612345678', code: '123456', clientKey: 'c' })),
    ).toBeInstanceOf(OtpCountryNotAllowedError)
    const premium = await rejection(otp.verify({ mobile: '+449098790000', code: '123456', clientKey: 'c' }))
    expect(premium.message).toMatch(/premium-rate/)
    expect(storeLog).toEqual([])
    expect(fake.calls.size).toBe(0)
  })

  it('identity: every success carries the canonical E.164 number, whatever form the request used', async () => {
    const { otp, codeOf, events } = await setup()
    await otp.send({ mobile: UK, clientKey: 'a' })
    expect(await otp.verify({ mobile: '+4407400123456', code: codeOf(UK), clientKey: 'a' })).toMatchObject({
      ok: true,
      mobile: UK,
    })
    await otp.send({ mobile: '+8613800138000', clientKey: 'b' })
    expect(
      await otp.verify({ mobile: '13800138000', code: codeOf('13800138000'), clientKey: 'b' }),
    ).toMatchObject({
      ok: true,
      mobile: '+8613800138000',
    })
    const successes = events.filter((e) => e.type === 'sent' || e.type === 'verified')
    expect(successes.map((e) => (e as { mobile: string }).mobile)).toEqual([
      UK,
      UK,
      '+8613800138000',
      '+8613800138000',
    ])
  })

  it('provider trouble: "system busy" is a 503 with Retry-After, and the number may ask again at once', async () => {
    const { otp, fake, events, codeOf } = await setup()
    fake.fault('system-busy', { endpoint: 'sms/single_send' })
    const busy = await rejection(otp.send({ mobile: UK, clientKey: 'c' }))
    expect(busy).toBeInstanceOf(YunpianApiError)
    expect((busy as YunpianApiError).code).toBe(-51)
    const answer = problemFor(busy)
    expect(answer.status).toBe(503)
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'unavailable' })
    expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0)
    expect(events.find((e) => e.type === 'provider-error')).toMatchObject({ temporary: true })
    await otp.send({ mobile: UK, clientKey: 'c' }) // no cooldown: nothing was sent
    expect(fake.outbox.size).toBe(1)
    expect(await otp.verify({ mobile: UK, code: codeOf(UK), clientKey: 'c' })).toMatchObject({ ok: true })
  })

  it('pumping: a prefix gets at most 100 codes an hour and 400 a day; countries and all have daily windows', async () => {
    // The budgets alone: the brake pauses this prefix long before (otp.brake.test.ts).
    const { otp, clock } = await setup({ brake: false }, { rules: false })
    let n = 0
    const sendOne = () => otp.send({ mobile: ukNumber(n++), clientKey: `bot${n}` })
    for (let i = 0; i < 100; i++) await sendOne()
    expect(await rejection(sendOne())).toMatchObject({ scope: 'prefix', rule: 'prefix-1h' })
    for (let hour = 1; hour < 4; hour++) {
      clock.advance(HOUR)
      for (let i = 0; i < 100; i++) await sendOne()
    }
    clock.advance(HOUR)
    const daily = (await rejection(sendOne())) as OtpRateLimitedError
    expect(daily).toMatchObject({ scope: 'prefix', rule: 'prefix-24h', limit: 400 })
    // Another prefix of the same country is its own budget.
    await expect(otp.send({ mobile: '+447812345678', clientKey: 'other' })).resolves.toMatchObject({
      expiresIn: 300,
    })
    expect(otp.limits.perCountry.map((r) => r.windowMs)).toEqual([HOUR, 24 * HOUR])
    expect(otp.limits.global.map((r) => r.windowMs)).toEqual([HOUR, 24 * HOUR])
    expect(otp.limits.perPrefix.map((r) => r.windowMs)).toEqual([HOUR, 24 * HOUR])
  })

  it('state ends with its purpose: a right code leaves no verify state and no code behind', async () => {
    const { otp, codeOf, throttleStore, codeStore } = await setup()
    await otp.send({ mobile: UK, clientKey: 'c' })
    const before = throttleStore.size
    await otp.verify({ mobile: UK, code: codeOf(UK), clientKey: 'c' })
    expect(throttleStore.size).toBe(before)
    expect(codeStore.size).toBe(0)
  })
})

describe('store flooding: a bounded soak', () => {
  it('blind verifies from one client and from five times the store’s cap of distinct clients: a real user is served and kept', async () => {
    // A small store, so a flood of a few thousand verifies is many times its cap: the sizes scale, the shedding is the same.
    const CAP = 200
    const { otp, codeOf, throttleStore, clock } = await setup({}, {}, { throttle: { maxKeys: CAP } })
    await otp.send({ mobile: UK, clientKey: 'owner' })
    const ownerKeys = throttleStore.size
    // From one client, blind verifies for distinct numbers: its budget refuses them, they create nothing
    // beyond its own budget and the failures-in-all count.
    for (let i = 0; i < 2_000; i++)
      await otp.verify({ mobile: ukNumber(i), code: '000000', clientKey: 'flooder' })
    expect(throttleStore.size).toBe(ownerKeys + 2)
    // From distinct clients (a botnet, or a /48 of IPv6 addresses): each leaves a failed-verify budget.
    for (let i = 0; i < 5 * CAP; i++)
      await otp.verify({ mobile: ukNumber(i), code: '000000', clientKey: `bot${i}` })
    // Full, never past the cap (it sheds a batch of 1% when a new key finds it full).
    expect(throttleStore.size).toBeLessThanOrEqual(CAP)
    expect(throttleStore.size).toBeGreaterThanOrEqual(CAP - 2)
    // The owner's send budget survived the flood (the failures were shed first), and so did the code.
    expect(await rejection(otp.send({ mobile: UK, clientKey: 'owner' }))).toMatchObject({
      rule: 'number-cooldown',
    })
    expect(await otp.verify({ mobile: UK, code: codeOf(UK), clientKey: 'owner' })).toMatchObject({ ok: true })
    clock.advance(MINUTE)
    const newcomer = '+447400999999'
    await otp.send({ mobile: newcomer, clientKey: 'newcomer' })
    expect(
      await otp.verify({ mobile: newcomer, code: codeOf(newcomer), clientKey: 'newcomer' }),
    ).toMatchObject({
      ok: true,
      mobile: newcomer,
    })
  })
})

describe('test numbers', () => {
  const TEST = '+447400000001'

  it('never send an SMS, verify with the fixed code through the same budgets, and are marked', async () => {
    const warnings: string[] = []
    const { otp, fake, events } = await setup({
      testNumbers: { [TEST]: '246810' },
      warn: (m) => warnings.push(m),
    })
    expect(warnings).toEqual([expect.stringMatching(/1 test number.*fixed code/)])
    const sent = await otp.send({ mobile: TEST, clientKey: 'reviewer' })
    expect(sent.sid).toMatch(/^test-/)
    expect(fake.calls.size).toBe(0)
    expect(await rejection(otp.send({ mobile: TEST, clientKey: 'reviewer' }))).toMatchObject({
      scope: 'number',
      rule: 'number-cooldown',
    })
    expect(await otp.verify({ mobile: TEST, code: '135790', clientKey: 'reviewer' })).toMatchObject({
      ok: false,
      reason: 'invalid',
    })
    expect(
      await otp.verify({ mobile: '+4407400000001', code: '246810', clientKey: 'reviewer' }),
    ).toMatchObject({
      ok: true,
      mobile: TEST,
    })
    // Single use, like any code.
    expect(await otp.verify({ mobile: TEST, code: '246810', clientKey: 'reviewer' })).toMatchObject({
      ok: false,
    })
    const marked = events.filter((e): e is Extract<OtpEvent, { test: boolean }> => 'test' in e)
    expect(marked.map((e) => [e.type, e.test])).toEqual([
      ['sent', true],
      ['failed', true],
      ['verified', true],
      ['failed', true],
    ])
    expect(await otp.stats()).toEqual({})
  })

  it('are checked at start-up like any number', async () => {
    const { client } = await setup()
    const base = {
      client,
      secret: 'test-secret-of-at-least-32-bytes-long!!',
      message: ({ code }: { code: string }) => `【Acme】${code}`,
      countries: ['GB'],
      warn: () => undefined,
    }
    expect(() => new OtpService({ ...base, testNumbers: { '+447700900123': '246810' } })).toThrow(
      /testNumbers\.\+447700900123: .*not a valid phone number/,
    )
    expect(() => new OtpService({ ...base, testNumbers: { '+6591234567': '246810' } })).toThrow(
      /testNumbers.*not sent to SG/,
    )
    expect(() => new OtpService({ ...base, testNumbers: { [TEST]: '2468' } })).toThrow(/codeLength \(6\)/)
  })
})
