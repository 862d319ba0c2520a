import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { problemFor } from '../src/http/index.js'
import { type OtpRateLimitedError, YunpianValidationError } from '../src/index.js'
import { rejection } from './helpers.js'
import { NUMBERS, setup, wrongFor } from './otp-setup.js'

const { UK } = NUMBERS
const MINUTE = 60_000

/**
 * The adversarial review of issue 14: attacks tried against all-default budgets on the memory stores. Those
 * that held are kept here as regression guards.
 */
describe('review: no code accepted that should not be', () => {
  it('a code verifies only for its number, its purpose, its latest send, once, and only before it expires', async () => {
    const { otp, codeOf, clock } = await setup()
    await otp.send({ mobile: UK, clientKey: 'a', purpose: 'login' })
    const first = codeOf(UK)
    const other = '+447400123457'
    await otp.send({ mobile: other, clientKey: 'b', purpose: 'login' })
    expect(await otp.verify({ mobile: other, code: first, clientKey: 'x' })).toMatchObject({ ok: false })
    expect(await otp.verify({ mobile: UK, code: first, clientKey: 'x', purpose: 'reset' })).toMatchObject({
      ok: false,
    })
    expect(await otp.verify({ mobile: UK, code: `0${first}`, clientKey: 'x' })).toMatchObject({ ok: false })
    expect(await otp.verify({ mobile: UK, code: first.slice(1), clientKey: 'x' })).toMatchObject({
      ok: false,
    })
    clock.advance(MINUTE)
    await otp.send({ mobile: UK, clientKey: 'a' })
    const second = codeOf(UK)
    if (second !== first) {
      expect(await otp.verify({ mobile: UK, code: first, clientKey: 'x' })).toMatchObject({ ok: false })
    }
    clock.advance(5 * MINUTE)
    expect(await otp.verify({ mobile: UK, code: second, clientKey: 'a' })).toMatchObject({ ok: false })
  })

  it('fifty concurrent right answers verify once; a code burnt by five wrong ones never verifies', async () => {
    const { otp, codeOf, clock } = await setup()
    await otp.send({ mobile: UK, clientKey: 'owner' })
    const code = codeOf(UK)
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => otp.verify({ mobile: UK, code, clientKey: `c${i}` })),
    )
    expect(answers.filter((a) => a.ok)).toHaveLength(1)
    clock.advance(MINUTE)
    await otp.send({ mobile: UK, clientKey: 'owner' })
    const next = codeOf(UK)
    for (let i = 0; i < 5; i++) await otp.verify({ mobile: UK, code: wrongFor(next), clientKey: `s${i}` })
    expect(await otp.verify({ mobile: UK, code: next, clientKey: 'owner' })).toMatchObject({
      ok: false,
      reason: 'invalid',
    })
  })
})

describe('review: no SMS sent twice', () => {
  it('twenty concurrent sends to one number, in any of its forms, send one SMS', async () => {
    const { otp, fake } = await setup()
    const forms = [UK, '+4407400123456']
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => otp.send({ mobile: forms[i % 2]!, clientKey: `c${i}` })),
    )
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    expect(fake.outbox.size).toBe(1)
  })

  it.each(['http-500', 'http-502', 'malformed-json', 'reset-after-request'] as const)(
    'after %s (Yunpian may have sent it) the number keeps its cooldown',
    async (kind) => {
      const { otp, fake } = await setup()
      fake.fault(kind, { endpoint: 'sms/single_send' })
      await rejection(otp.send({ mobile: UK, clientKey: 'a' }))
      expect(await rejection(otp.send({ mobile: UK, clientKey: 'b' }))).toMatchObject({
        scope: 'number',
        rule: 'number-cooldown',
      })
    },
  )
})

describe('review: "system busy" gives back the number budget and only it', () => {
  it('the client that asked keeps its spent budget; the prefix, country and global counts stay', async () => {
    const { otp, fake } = await setup()
    fake.fault('system-busy', { endpoint: 'sms/single_send', times: 3 })
    for (let i = 0; i < 3; i++) {
      const busy = await rejection(otp.send({ mobile: UK, clientKey: 'asker' }))
      expect(problemFor(busy).status).toBe(503)
    }
    // Three refusals, no SMS: the number may ask at once, the asker may not (3 a minute).
    const refused = (await rejection(otp.send({ mobile: UK, clientKey: 'asker' }))) as OtpRateLimitedError
    expect(refused).toMatchObject({ scope: 'client', rule: 'client-1min' })
    await otp.send({ mobile: UK, clientKey: 'someone-else' })
    expect(fake.outbox.size).toBe(1)
  })
})

describe('review: secrets stay secret', () => {
  it('neither the apikey nor a code is in any event, error or problem document', async () => {
    const codes: string[] = []
    const { otp, fake, events } = await setup({
      message: ({ code }) => {
        codes.push(code)
        return `【Acme】Your code is ${code}.`
      },
    })
    const errors: unknown[] = []
    for (const kind of ['system-busy', 'http-500', 'malformed-json', 'reset-after-request'] as const) {
      fake.fault(kind, { endpoint: 'sms/single_send' })
      errors.push(await rejection(otp.send({ mobile: `+44740012345${errors.length}`, clientKey: kind })))
    }
    fake.fault('system-busy', { endpoint: 'sms/single_send' })
    errors.push(await rejection(otp.send({ mobile: '13800138000', clientKey: 'b' })))
    await otp.send({ mobile: UK, clientKey: 'c' })
    await otp.verify({ mobile: UK, code: wrongFor(codes.at(-1)!), clientKey: 'c' })
    errors.push(await rejection(otp.verify({ mobile: UK, code: '12a456', clientKey: 'c' })))
    const seen = [
      ...events.map((e) => inspect(e, { depth: 10 })),
      ...errors.map((e) => `${inspect(e, { depth: 10 })} ${JSON.stringify(e)} ${problemFor(e).body}`),
    ].join('\n')
    expect(codes.length).toBeGreaterThan(4)
    expect(seen).not.toContain(fake.apikey)
    for (const code of codes) expect(seen).not.toContain(code)
  })
})

describe('review: canonical E.164 for every accepted form, and the rest refused before any store', () => {
  it('national and 00 forms, spaces and +86 without + are refused with a typed error and no state', async () => {
    const { otp, storeLog } = await setup()
    for (const mobile of [
      '07400123456',
      '447400123456',
      '00447400123456',
      '+44 7400123456',
      '+44(0)7400123456',
      '8613800138000',
      '008613800138000',
      '+86 138 0013 8000',
      '+８613800138000',
      ' 13800138000',
      '\u202a+447400123456',
      '+447400123456\n',
    ]) {
      expect(await rejection(otp.verify({ mobile, code: '123456', clientKey: 'c' }))).toBeInstanceOf(
        YunpianValidationError,
      )
      expect(await rejection(otp.send({ mobile, clientKey: 'c' }))).toBeInstanceOf(YunpianValidationError)
    }
    expect(storeLog).toEqual([])
  })

  it('a leading 0 after the country code is one number with the canonical one: one budget, one code', async () => {
    const { otp, codeOf } = await setup()
    for (const [sent, other, e164] of [
      ['+4407400123456', UK, UK],
      ['+86013800138000', '13800138000', '+8613800138000'],
    ] as const) {
      await otp.send({ mobile: sent, clientKey: `a${e164}` })
      expect(await rejection(otp.send({ mobile: other, clientKey: `b${e164}` }))).toMatchObject({
        rule: 'number-cooldown',
      })
      expect(await otp.verify({ mobile: other, code: codeOf(e164), clientKey: 'v' })).toMatchObject({
        ok: true,
        mobile: e164,
      })
    }
  })
})

describe('review: no oracle', () => {
  it('a blind verify, a wrong code and a burnt code cost the caller the same and answer the same', async () => {
    const { otp, codeOf } = await setup()
    await otp.send({ mobile: UK, clientKey: 'owner' })
    const wrong = wrongFor(codeOf(UK))
    const pending = []
    const none = []
    for (let i = 0; i < 12; i++) {
      pending.push(await otp.verify({ mobile: UK, code: wrong, clientKey: 'p' }))
      none.push(await otp.verify({ mobile: '+447400123457', code: wrong, clientKey: 'n' }))
    }
    // The retry-after differs by the milliseconds between the calls; everything else is the same.
    const shape = (r: object) => ({ ...r, retryAfterMs: 'retryAfterMs' in r ? 'some' : 'none' })
    expect(pending.map(shape)).toEqual(none.map(shape))
    expect(pending.filter((r) => !r.ok && r.reason === 'rate_limited')).toHaveLength(2)
  })
})

describe('review: test numbers stay test numbers', () => {
  it('a test number’s fixed code verifies no other number, and a real number never takes a fixed code', async () => {
    const TEST = '+447400000001'
    const { otp, codeOf, fake } = await setup({ testNumbers: { [TEST]: '246810' }, warn: () => {} })
    await otp.send({ mobile: UK, clientKey: 'a' })
    expect(codeOf(UK)).toBeDefined()
    expect(await otp.verify({ mobile: UK, code: '246810', clientKey: 'x' })).toMatchObject({ ok: false })
    expect(await otp.verify({ mobile: '+447400000002', code: '246810', clientKey: 'x' })).toMatchObject({
      ok: false,
    })
    await otp.send({ mobile: '+4407400000001', clientKey: 'b' })
    expect(fake.outbox.size).toBe(1)
    expect(
      await otp.verify({ mobile: TEST, code: '246810', clientKey: 'x', purpose: 'reset' }),
    ).toMatchObject({
      ok: false,
    })
  })
})

describe('review: a mainland number without + gets the same cheap checks as with it', () => {
  it.each(['14012345678', '15412345678', '16012345678'])(
    '%s, in no operator’s block, is refused before any store, in both forms',
    async (mobile) => {
      for (const numberTypes of [undefined, ['MOBILE', 'FIXED_LINE_OR_MOBILE', 'VOIP'] as const]) {
        const { otp, storeLog, fake } = await setup(numberTypes ? { numberTypes: [...numberTypes] } : {})
        for (const form of [mobile, `+86${mobile}`]) {
          const refused = await rejection(otp.verify({ mobile: form, code: '123456', clientKey: 'c' }))
          expect(refused).toBeInstanceOf(YunpianValidationError)
          expect(refused.message).toMatch(/not a valid phone number/)
          expect(await rejection(otp.send({ mobile: form, clientKey: 'c' }))).toBeInstanceOf(
            YunpianValidationError,
          )
        }
        expect(storeLog).toEqual([])
        expect(fake.calls.size).toBe(0)
      }
    },
  )

  it('valid mainland numbers pass in both forms, as one number', async () => {
    const { otp, codeOf } = await setup({ numberTypes: ['MOBILE', 'FIXED_LINE_OR_MOBILE', 'VOIP'] })
    await otp.send({ mobile: '19912345678', clientKey: 'a' })
    expect(
      await otp.verify({ mobile: '+8619912345678', code: codeOf('19912345678'), clientKey: 'b' }),
    ).toMatchObject({
      ok: true,
      mobile: '+8619912345678',
    })
  })
})
