import { describe, expect, it } from 'vitest'
import { problemFor } from '../src/http/index.js'
import {
  type BrakePolicy,
  MemoryBrakeStore,
  MemoryDedupeStore,
  MemoryOtpStore,
  type OtpEvent,
  OtpRateLimitedError,
  OtpService,
  OtpStoreError,
  Reconciler,
} from '../src/index.js'
import { brake, converting, MATURE, MINUTE, pumped } from './brake-fixtures.js'
import { manualClock, rejection } from './helpers.js'
import { message, SECRET, setup } from './otp-setup.js'

type Setup = Awaited<ReturnType<typeof setup>>

/** `count` codes to `number(i)`, each from its own address; `verify` of them verified. */
async function wave(s: Setup, number: (i: number) => string, count: number, verify = 0, from = 0) {
  for (let i = from; i < from + count; i++) {
    const mobile = number(i)
    await s.otp.send({ mobile, clientKey: `203.0.113.${i % 250}` })
    if (i - from < verify) {
      const result = await s.otp.verify({
        mobile,
        code: s.codeOf(mobile),
        clientKey: `198.51.100.${i % 250}`,
      })
      expect(result.ok).toBe(true)
    }
  }
}

const brakeEvents = (events: OtpEvent[]) =>
  events.filter((e): e is Extract<OtpEvent, { type: 'brake' }> => e.type === 'brake')

describe('the pumping brake', () => {
  it('pauses a prefix whose matured codes go unverified, never the converting prefix beside it', async () => {
    const s = await setup({ brake })
    await wave(s, pumped, 12)
    await wave(s, converting, 12, 9)
    s.clock.advance(MATURE)

    const refused = await rejection(s.otp.send({ mobile: pumped(100), clientKey: 'fresh' }))
    expect(refused).toBeInstanceOf(OtpRateLimitedError)
    expect(refused).toMatchObject({ scope: 'brake', rule: 'brake-prefix' })
    expect((refused as OtpRateLimitedError).retryAfterMs).toBe(60 * MINUTE)
    // Over HTTP it answers as a limit does.
    const answer = problemFor(refused)
    expect(answer.status).toBe(429)
    expect(answer.headers['retry-after']).toBe('3600')
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'rate_limited' })
    const [tripped] = brakeEvents(s.events)
    expect(tripped?.brake).toMatchObject({
      scope: 'prefix',
      country: 'GB',
      prefix: '44740',
      figures: { sent: 12, verified: 0, undelivered: 0, ratio: 0 },
    })
    expect(s.events.at(-1)).toMatchObject({ type: 'throttled', scope: 'brake', rule: 'brake-prefix' })
    // Refused again while paused, with the time left; the converting prefix keeps sending.
    s.clock.advance(10 * MINUTE)
    expect(await rejection(s.otp.send({ mobile: pumped(101), clientKey: 'x' }))).toMatchObject({
      retryAfterMs: 50 * MINUTE,
    })
    await wave(s, converting, 5, 5, 50)
    expect(brakeEvents(s.events)).toHaveLength(1)
    expect(await s.otp.brakes.list()).toEqual([tripped!.brake])
  })

  it('releases after its cool-off on the moved clock, and on release()', async () => {
    const s = await setup({ brake: { ...brake, coolOffMs: 30 * MINUTE } })
    await wave(s, pumped, 10)
    s.clock.advance(MATURE)
    expect(await rejection(s.otp.send({ mobile: pumped(100), clientKey: 'a' }))).toMatchObject({
      scope: 'brake',
    })
    s.clock.advance(30 * MINUTE)
    expect(await s.otp.brakes.list()).toEqual([])
    await s.otp.send({ mobile: pumped(101), clientKey: 'b' })

    // The evidence started afresh at the trip: it takes a new wave to pause it again.
    await wave(s, pumped, 10, 0, 200)
    s.clock.advance(MATURE)
    await rejection(s.otp.send({ mobile: pumped(102), clientKey: 'c' }))
    expect(await s.otp.brakes.release('+44740')).toBe(true)
    expect(await s.otp.brakes.release('44740')).toBe(false)
    await s.otp.send({ mobile: pumped(103), clientKey: 'd' })
  })

  it('does not count codes still within their lifetime', async () => {
    const s = await setup({ brake })
    await wave(s, pumped, 12)
    // Buckets have closed, but the codes could still be verified.
    s.clock.advance(4 * MINUTE)
    await s.otp.send({ mobile: pumped(100), clientKey: 'a' })
    expect(brakeEvents(s.events)).toEqual([])
  })

  it('does not count codes reported undelivered (a carrier outage is not pumping)', async () => {
    const s = await setup({ brake }, { reports: { successRatio: 0 } })
    await wave(s, pumped, 12)
    const reports = await s.client.sms.pullStatus()
    expect(reports.filter((r) => !r.delivered)).toHaveLength(12)
    await s.otp.report(reports)
    s.clock.advance(MATURE)
    await s.otp.send({ mobile: pumped(100), clientKey: 'a' })
    expect(brakeEvents(s.events)).toEqual([])
    expect((await s.otp.stats()).GB?.prefixes['44740']).toMatchObject({ sent: 13, undelivered: 12 })
  })

  it('counts delivered reports and still brakes on the unverified', async () => {
    const s = await setup({ brake })
    await wave(s, pumped, 12)
    await s.otp.report(await s.client.sms.pullStatus())
    // A report told twice counts once.
    expect((await s.otp.stats()).GB).toMatchObject({ sent: 12, delivered: 12, verified: 0 })
    s.clock.advance(MATURE)
    expect(await rejection(s.otp.send({ mobile: pumped(100), clientKey: 'a' }))).toMatchObject({
      scope: 'brake',
    })
    expect(brakeEvents(s.events)[0]?.brake.figures).toMatchObject({ sent: 12, delivered: 12 })
  })

  it('never pauses what neverBrake pins, nor anything with brake: false', async () => {
    for (const options of [
      { brake: { ...brake, neverBrake: ['+44740'] } },
      { brake: { ...brake, neverBrake: ['GB'] } },
      { brake: false as const },
    ]) {
      const s = await setup(options)
      await wave(s, pumped, 12)
      s.clock.advance(MATURE)
      await s.otp.send({ mobile: pumped(100), clientKey: 'a' })
      expect(brakeEvents(s.events)).toEqual([])
      expect((await s.otp.stats()).GB?.sent).toBe(13)
    }
  })

  it('pauses a country only at its own, higher volume, when no prefix of it reaches its own', async () => {
    const s = await setup({
      brake: {
        prefix: { minSends: 10, minVerifiedRatio: 0.2 },
        country: { minSends: 16, minVerifiedRatio: 0.2 },
      },
    })
    // 8 to each of two prefixes: neither prefix has enough; the country does.
    await wave(s, pumped, 8)
    await wave(s, converting, 8)
    s.clock.advance(MATURE)
    expect(await rejection(s.otp.send({ mobile: converting(100), clientKey: 'a' }))).toMatchObject({
      scope: 'brake',
      rule: 'brake-country',
    })
    expect(await s.otp.brakes.list()).toMatchObject([{ scope: 'country', country: 'GB' }])
    expect(await s.otp.brakes.release('GB')).toBe(true)
  })

  it('cannot be tripped on a converting prefix by many clients filling its send budget', async () => {
    // Defaults: a prefix brakes at 50 matured sends under 5% verified; its send budget is 100 an hour.
    const s = await setup()
    // Five real users verify; then 95 addresses spend the rest of the prefix budget on codes never read.
    await wave(s, converting, 5, 5)
    await wave(s, converting, 95, 0, 5)
    expect(await rejection(s.otp.send({ mobile: converting(200), clientKey: 'z' }))).toMatchObject({
      scope: 'prefix',
    })
    // When the budget frees, the hundred codes are matured evidence; 5 of 100 verified is not below 5%.
    s.clock.advance(61 * MINUTE)
    await s.otp.send({ mobile: converting(201), clientKey: 'real' })
    expect(brakeEvents(s.events)).toEqual([])
    expect((await s.otp.stats()).GB?.prefixes['44750']).toMatchObject({ sent: 101, verified: 5 })
  })

  it('keeps no brake state for requests refused on cheap grounds', async () => {
    const s = await setup({ brake, limits: { perClient: [{ name: 'c', limit: 1, windowMs: MINUTE }] } })
    await rejection(s.otp.send({ mobile: '+44 7700 900123', clientKey: 'a' }))
    await rejection(s.otp.send({ mobile: '+12025550123', clientKey: 'a' }))
    await s.otp.send({ mobile: pumped(1), clientKey: 'b' })
    const before = s.brakeStore.size
    for (let i = 0; i < 20; i++) await rejection(s.otp.send({ mobile: pumped(10 + i), clientKey: 'b' }))
    expect(s.brakeStore.size).toBe(before)
    // Verifies of numbers with no code count nothing either.
    await s.otp.verify({ mobile: pumped(50), code: '123456', clientKey: 'c' })
    expect(s.brakeStore.size).toBe(before)
  })

  it('gives the send back when Yunpian refuses it', async () => {
    // A template text the account has not approved: Yunpian refuses with code 5 and sends nothing.
    const s = await setup({ brake }, { templates: [{ text: '【Other】#x#' }] })
    expect(await rejection(s.otp.send({ mobile: pumped(1), clientKey: 'a' }))).toMatchObject({ code: 5 })
    expect(s.fake.outbox.size).toBe(0)
    expect(await s.otp.stats()).toEqual({})
  })
})

describe('the brake when the code store fails', () => {
  it('takes the send back out: no code was stored, none sent', async () => {
    /** A code store whose writes fail, as a Redis that went away would. */
    class DownCodes extends MemoryOtpStore {
      override async set(): Promise<void> {
        throw new OtpStoreError('the code store is down')
      }
    }
    const s = await setup({ brake, codes: new DownCodes() })
    expect(await rejection(s.otp.send({ mobile: pumped(1), clientKey: 'a' }))).toBeInstanceOf(OtpStoreError)
    expect(s.fake.outbox.size).toBe(0)
    expect(await s.otp.stats()).toEqual({})
  })
})

describe('MemoryBrakeStore', () => {
  const policy: BrakePolicy = {
    windowMs: 60 * MINUTE,
    bucketMs: MINUTE,
    maturityMs: 5 * MINUTE,
    coolOffMs: 60 * MINUTE,
    prefix: { minSends: 10, minVerifiedRatio: 0.2 },
    country: { minSends: 100, minVerifiedRatio: 0.2 },
  }
  const pinned = { prefix: false, country: false }

  it('stays within maxKeys when a flood reaches many prefixes and numbers', async () => {
    const store = new MemoryBrakeStore({ maxKeys: 50 })
    for (let i = 0; i < 2_000; i++) {
      const decision = await store.send(
        { country: 'GB', prefix: String(44_000 + i), subject: `s${i}`, uid: `u${i}`, now: 1_000 + i, pinned },
        policy,
      )
      expect(decision.allowed).toBe(true)
    }
    expect(store.size).toBeLessThanOrEqual(100)
  })
})

describe('one clock', () => {
  it('moves the service and its default memory stores together', async () => {
    const { client, fake } = await (await import('./helpers.js')).setup()
    const clock = manualClock()
    const otp = new OtpService({ client, secret: SECRET, message, countries: ['GB'], now: clock.now })
    const mobile = '+447400123456'
    await otp.send({ mobile, clientKey: 'a' })
    // The number's one-a-minute budget, in the default throttle store, reads the same clock.
    expect(await rejection(otp.send({ mobile, clientKey: 'a' }))).toMatchObject({ scope: 'number' })
    clock.advance(MINUTE)
    await otp.send({ mobile, clientKey: 'a' })
    const code = fake.outbox.lastCode(mobile)!
    // And the default code store: past its lifetime the code is gone.
    clock.advance(5 * MINUTE)
    expect(await otp.verify({ mobile, code, clientKey: 'a' })).toMatchObject({ ok: false })
  })

  it('a reconciler on the same clock brings the final reports to the brake', async () => {
    let reconciler: Reconciler | undefined
    const s = await setup({
      brake,
      reconciler: {
        remember: (sent, sentAt) => reconciler!.remember(sent, sentAt),
      },
    })
    reconciler = new Reconciler({
      client: s.client,
      dedupe: new MemoryDedupeStore({ now: s.clock.now }),
      onStatus: (reports) => s.otp.report(reports),
      now: s.clock.now,
    })
    await wave(s, pumped, 3)
    expect(await reconciler.reconcileOnce()).toBe(0)
    // Ten minutes later on the one clock, the sends are due: looked up, their reports counted.
    s.clock.advance(10 * MINUTE)
    expect(await reconciler.reconcileOnce()).toBe(3)
    expect((await s.otp.stats()).GB).toMatchObject({ sent: 3, delivered: 3 })
  })
})
