// The pumping brake, attacked: who else can it be made to stop, and who can keep it from stopping a wave?
// Every attack runs against the real service, its memory stores and the fake Yunpian over HTTP.
import { describe, expect, it } from 'vitest'
import type { OtpEvent, OtpRateLimitedError } from '../src/index.js'
import { MATURE, MINUTE, mobileIn, range } from './brake-fixtures.js'
import { rejection } from './helpers.js'
import { setup } from './otp-setup.js'

/** Valid GB mobiles in three prefixes: 44740, 44750 and 44751. */
const in740 = mobileIn('7400')
const in750 = mobileIn('7500')
const in751 = mobileIn('7510')

type Setup = Awaited<ReturnType<typeof setup>>

/** One send per number, each from its own address (rotating addresses). */
async function sendAll(s: Setup, numbers: string[]) {
  for (const [i, mobile] of numbers.entries()) await s.otp.send({ mobile, clientKey: `203.0.113.${i}` })
}
const brakeEvents = (events: OtpEvent[]) => events.filter((e) => e.type === 'brake')

describe('attacks on the pumping brake', () => {
  it('a pinned prefix keeps sending when a wave on the rest of its country pauses the country', async () => {
    const s = await setup({
      brake: {
        prefix: { minSends: 1_000, minVerifiedRatio: 0.2 },
        country: { minSends: 16, minVerifiedRatio: 0.2 },
        neverBrake: ['+44740'],
      },
    })
    // The attacker spreads unverified codes over two other prefixes of the country.
    await sendAll(s, [...range(8).map(in750), ...range(8).map(in751)])
    s.clock.advance(MATURE)
    // The first send after the wave matured is to the pinned prefix: it must not trip or be refused.
    await s.otp.send({ mobile: in740(1), clientKey: 'real-1' })
    // The country may pause for the others...
    expect(await rejection(s.otp.send({ mobile: in750(100), clientKey: 'x' }))).toMatchObject({
      scope: 'brake',
      rule: 'brake-country',
    })
    // ...but never the prefix that neverBrake pins.
    await s.otp.send({ mobile: in740(2), clientKey: 'real-2' })
  })

  it('codes reported undelivered after the user asked again are still not evidence (outage with resends)', async () => {
    const s = await setup(
      { brake: { prefix: { minSends: 20, minVerifiedRatio: 0.2 } } },
      { reports: { successRatio: 0 } },
    )
    // A carrier outage: ten users each ask three times, a minute apart; the failure reports come late.
    for (const round of range(3)) {
      await sendAll(s, range(10).map(in740))
      if (round < 2) s.clock.advance(MINUTE)
    }
    const reports = [...(await s.client.sms.pullStatus({ pageSize: 100 }))]
    expect(reports.filter((r) => !r.delivered)).toHaveLength(30)
    await s.otp.report(reports)
    expect((await s.otp.stats()).GB?.prefixes['44740']).toMatchObject({ sent: 30, undelivered: 30 })
    s.clock.advance(MATURE)
    await s.otp.send({ mobile: in740(50), clientKey: 'after' })
    expect(brakeEvents(s.events)).toEqual([])
  })
  it('an attacker who owns one number cannot verify more codes than were sent to it (purposes, replays)', async () => {
    const s = await setup()
    const own = in740(7)
    const codes: Record<string, string> = {}
    for (const purpose of ['login', 'reset', 'pay']) {
      await s.otp.send({ mobile: own, clientKey: 'attacker', purpose })
      codes[purpose] = s.codeOf(own)
      s.clock.advance(MINUTE)
    }
    for (const purpose of ['login', 'reset', 'pay', 'login', 'reset', 'pay']) {
      await s.otp.verify({ mobile: own, code: codes[purpose]!, clientKey: 'attacker', purpose })
    }
    expect((await s.otp.stats()).GB?.prefixes['44740']).toMatchObject({ sent: 3, verified: 3 })
  })

  it('forged and foreign delivery reports count nothing', async () => {
    const s = await setup()
    await sendAll(s, range(3).map(in740))
    const [real] = await s.client.sms.pullStatus()
    expect(real?.uid).toMatch(/^otp-/)
    await s.otp.verify({ mobile: in740(2), code: s.codeOf(in740(2)), clientKey: 'v' })
    const forged = (mobile: string, uid: string | null) => ({ ...real!, mobile, uid, delivered: false })
    await s.otp.report([
      forged(in740(0), 'otp-00000000-0000-4000-8000-000000000000'), // a guessed uid
      forged(in740(1), real!.uid), // another number's uid
      forged(in740(0), null), // not one of this service's codes
      forged(in740(2), real!.uid), // a verified send
      forged('+44 7700 900123', real!.uid), // an invalid number
    ])
    expect((await s.otp.stats()).GB).toMatchObject({ sent: 3, verified: 1, delivered: 0, undelivered: 0 })
  })

  it('a flood of test numbers, invalid numbers, landlines and unserved countries leaves no brake state', async () => {
    const s = await setup({ testNumbers: { '+447400000001': '246810' } })
    for (const [i, mobile] of [
      '+447400000001', // a test number: sent by no SMS, counted nowhere
      '+44 7700 900123', // invalid
      '+442071234567', // a London landline
      '+14155550123', // a country not served, with digits like a served prefix
    ].entries()) {
      for (let n = 0; n < 20; n++)
        await s.otp.send({ mobile, clientKey: `c${i}-${n}` }).catch(() => undefined)
    }
    expect(s.brakeStore.size).toBe(0)
    expect(await s.otp.stats()).toEqual({})
  })
  it('a neverBrake pin longer than a prefix is refused at start-up, not silently never matched', async () => {
    // Prefixes are the country code and 3 digits (44740): a pin of 447400 would never match one.
    for (const pin of ['+447400', '4474001', '861380', '14155']) {
      const error = await rejection(setup({ brake: { neverBrake: [pin] } }))
      expect(error.message).toContain(pin)
    }
    // Neither does a pin with no country code in front, nor a country that does not exist.
    for (const pin of ['0044740', 'XX']) {
      expect((await rejection(setup({ brake: { neverBrake: [pin] } }))).message).toContain(pin)
    }
    for (const pin of ['44740', '+44740', '447', '86138', '1415', '65'])
      await setup({ brake: { neverBrake: [pin] } })
  })
  it('a client hammering a paused prefix spends its own budget, and only its own', async () => {
    const s = await setup({
      brake: { prefix: { minSends: 10, minVerifiedRatio: 0.2 } },
      limits: { perPrefix: [{ name: 'prefix-1h', limit: 13, windowMs: 60 * MINUTE }] },
    })
    await sendAll(s, range(10).map(in740))
    s.clock.advance(MATURE)
    // The send that finds the matured wave trips the pause; then the same client keeps asking.
    const refusals = []
    for (const i of range(5))
      refusals.push(await rejection(s.otp.send({ mobile: in740(20 + i), clientKey: 'hammer' })))
    // The brake refuses while the client's budget lasts (3 a minute), then the client's own budget does:
    // the requests stop costing a brake step.
    expect(refusals.map((r) => (r as OtpRateLimitedError).scope)).toEqual([
      'brake',
      'brake',
      'brake',
      'client',
      'client',
    ])
    // Nobody else's budget was spent: once the pause is released, the prefix still has 3 of its 13 sends.
    await s.otp.brakes.release('44740')
    for (const i of range(3)) await s.otp.send({ mobile: in740(40 + i), clientKey: `real-${i}` })
    expect(await rejection(s.otp.send({ mobile: in740(50), clientKey: 'real-9' }))).toMatchObject({
      scope: 'prefix',
    })
  })
  it('releasing prefix digits lifts the pause in every country sharing them (GB and Guernsey in +44 791)', async () => {
    const s = await setup({
      countries: ['GB', 'GG'],
      brake: { prefix: { minSends: 10, minVerifiedRatio: 0.2 } },
    })
    const guernsey = (i: number) => `+447911${100000 + i}`
    const britain = (i: number) => `+4479112${10000 + i}`
    await sendAll(s, [...range(10).map(guernsey), ...range(10).map(britain)])
    s.clock.advance(MATURE)
    for (const mobile of [guernsey(50), britain(50)])
      await rejection(s.otp.send({ mobile, clientKey: mobile }))
    const paused = await s.otp.brakes.list()
    expect(paused.map((b) => [b.country, b.prefix]).sort()).toEqual([
      ['GB', '44791'],
      ['GG', '44791'],
    ])
    expect(await s.otp.brakes.release('+44791')).toBe(true)
    expect(await s.otp.brakes.list()).toEqual([])
    // An entry of list() still names one pause alone.
    expect(await s.otp.brakes.release(paused[0]!)).toBe(false)
  })
})
