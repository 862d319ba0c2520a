import { randomUUID } from 'node:crypto'
import type { OtpEvent } from '@yunpian-kit/core'
import { Redis } from 'ioredis'
import { describe, expect, inject, it } from 'vitest'
import { brake, converting, MATURE, MINUTE, pumped } from '../../core/test/brake-fixtures.js'
import type { RedisClientLike } from '../src/index.js'
import { RedisBrakeStore } from '../src/index.js'
import { brakeService, connectionFor } from './brake-setup.js'
import { CLIENTS } from './clients.js'

/** Counts the scripts a client runs: the store's round trips (the client itself is real). */
function counting(client: RedisClientLike): { client: RedisClientLike; calls: () => number } {
  let calls = 0
  const counted = new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      if (prop === 'evalsha' || prop === 'evalSha' || prop === 'eval')
        return (...args: unknown[]) => {
          calls++
          return value.apply(target, args)
        }
      return value.bind(target)
    },
  })
  return { client: counted, calls: () => calls }
}

describe.each(Object.keys(CLIENTS))('RedisBrakeStore on %s', (name) => {
  const connection = connectionFor(name)

  async function service(options: { successRatio?: number; defaults?: boolean } = {}) {
    const counted = counting(connection.client)
    // A generous deadline: the machine running the suite is shared, and this test is about counts, not speed.
    const store = new RedisBrakeStore({
      client: counted.client,
      prefix: `t${randomUUID().slice(0, 8)}:`,
      timeoutMs: 5_000,
    })
    // One clock: the fake's, which the test moves with advance().
    const { otp, fake, client, events, close } = await brakeService(store, {
      successRatio: options.successRatio,
      ...(options.defaults ? {} : { brake }),
    })
    const send = (mobile: string, clientKey = randomUUID()) => otp.send({ mobile, clientKey })
    const wave = async (number: (i: number) => string, count: number, verify = 0, from = 0) => {
      for (let i = from; i < from + count; i++) {
        await send(number(i))
        if (i - from < verify) {
          const code = fake.outbox.lastCode(number(i))!
          expect(await otp.verify({ mobile: number(i), code, clientKey: 'v' })).toMatchObject({ ok: true })
        }
      }
    }
    return { otp, fake, client, events, send, wave, counted, close }
  }

  it('pauses the pumped prefix, never the converting one, in one script per send; releases after the cool-off', async () => {
    const s = await service()
    try {
      await s.wave(pumped, 12)
      await s.wave(converting, 12, 9)
      s.fake.advance(MATURE)
      const before = s.counted.calls()
      await expect(s.send(pumped(100))).rejects.toMatchObject({ scope: 'brake', rule: 'brake-prefix' })
      await s.send(converting(100))
      await expect(s.send(pumped(101))).rejects.toMatchObject({ scope: 'brake' })
      // Three sends, three scripts: the pause check, the judgement and the count are one round trip.
      expect(s.counted.calls() - before).toBe(3)
      const [tripped] = s.events.filter((e) => e.type === 'brake')
      expect(tripped).toMatchObject({
        brake: {
          scope: 'prefix',
          country: 'GB',
          prefix: '44740',
          figures: { sent: 12, verified: 0, ratio: 0 },
        },
      })
      expect(await s.otp.brakes.list()).toEqual([(tripped as Extract<OtpEvent, { type: 'brake' }>).brake])
      const stats = await s.otp.stats()
      expect(stats.GB?.prefixes['44750']).toMatchObject({ sent: 13, verified: 9 })
      expect(stats.GB?.prefixes['44740']).toBeUndefined() // its evidence started afresh at the trip
      expect(await s.otp.brakes.release('44740')).toBe(true)
      await s.send(pumped(102))
      // A new wave pauses it again; the cool-off, on the moved clock, releases it.
      await s.wave(pumped, 10, 0, 200)
      s.fake.advance(MATURE)
      await expect(s.send(pumped(103))).rejects.toMatchObject({ scope: 'brake' })
      s.fake.advance(60 * MINUTE)
      expect(await s.otp.brakes.list()).toEqual([])
      await s.send(pumped(104))
    } finally {
      await s.close()
    }
  })

  it('cannot be tripped on a converting prefix by many clients filling its send budget (defaults)', async () => {
    const s = await service({ defaults: true })
    try {
      // Five real users verify; then 95 addresses spend the rest of the prefix's 100 an hour, never verifying.
      await s.wave(converting, 5, 5)
      await s.wave(converting, 95, 0, 5)
      await expect(s.send(converting(200))).rejects.toMatchObject({ scope: 'prefix' })
      // An hour on, the hundred codes are matured evidence; 5 of 100 verified is not below 5%.
      s.fake.advance(61 * MINUTE)
      await s.send(converting(201))
      expect(s.events.filter((e) => e.type === 'brake')).toEqual([])
      expect((await s.otp.stats()).GB?.prefixes['44750']).toMatchObject({ sent: 101, verified: 5 })
    } finally {
      await s.close()
    }
  })

  it('does not count codes reported undelivered', async () => {
    const s = await service({ successRatio: 0 })
    try {
      await s.wave(pumped, 12)
      await s.otp.report(await s.client.sms.pullStatus())
      s.fake.advance(MATURE)
      await s.send(pumped(100))
      expect(s.events.filter((e) => e.type === 'brake')).toEqual([])
      expect((await s.otp.stats()).GB).toMatchObject({ sent: 13, undelivered: 12, verified: 0 })
    } finally {
      await s.close()
    }
  })
})

describe('RedisBrakeStore keys', () => {
  it('every key expires; refusals on cheap grounds and by budgets write none', async () => {
    const redis = new Redis({ host: '127.0.0.1', port: inject('redisPort') })
    const prefix = `t${randomUUID().slice(0, 8)}:`
    const { otp, close } = await brakeService(
      new RedisBrakeStore({ client: redis, prefix, timeoutMs: 5_000 }),
      {
        limits: { perClient: [{ name: 'one', limit: 1, windowMs: MINUTE }] },
      },
    )
    const brakeKeys = () => redis.keys(`${prefix}{otp:brake:*`)
    try {
      await expect(otp.send({ mobile: '+44 7700 900123', clientKey: 'a' })).rejects.toThrow(/valid/)
      await expect(otp.send({ mobile: '+6591234567', clientKey: 'a' })).rejects.toMatchObject({
        name: 'OtpCountryNotAllowedError',
      })
      await otp.send({ mobile: pumped(1), clientKey: 'a' })
      const after = await brakeKeys()
      // The country's counters, the prefix's, the prefixes in use and the remembered send.
      expect(after).toHaveLength(4)
      for (let i = 2; i < 12; i++)
        await expect(otp.send({ mobile: pumped(i), clientKey: 'a' })).rejects.toMatchObject({
          scope: 'client',
        })
      expect((await brakeKeys()).sort()).toEqual(after.sort())
      for (const key of after) expect(await redis.pttl(key)).toBeGreaterThan(0)
      expect((await otp.stats()).GB).toMatchObject({ sent: 1 })
    } finally {
      await close()
      await redis.quit()
    }
  })
})
