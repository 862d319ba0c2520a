// The pumping brake on Redis, attacked: the same attacks as core's brake.attacks test, on the four clients
// (ioredis and node-redis, standalone and Cluster) against real servers.
import { randomUUID } from 'node:crypto'
import type { OtpServiceOptions } from '@yunpian-kit/core'
import { Redis } from 'ioredis'
import { describe, expect, inject, it } from 'vitest'
import { MATURE, MINUTE, mobileIn, range } from '../../core/test/brake-fixtures.js'
import { RedisBrakeStore } from '../src/index.js'
import { brakeService, connectionFor } from './brake-setup.js'
import { CLIENTS } from './clients.js'

const in740 = mobileIn('7400')
const in750 = mobileIn('7500')
const in751 = mobileIn('7510')

describe.each(Object.keys(CLIENTS))('attacks on RedisBrakeStore on %s', (name) => {
  const connection = connectionFor(name)

  async function service(brake: OtpServiceOptions['brake'], successRatio = 1) {
    const store = new RedisBrakeStore({ client: connection.client, prefix: `a${randomUUID().slice(0, 8)}:` })
    const { otp, fake, client, events, close } = await brakeService(store, { brake, successRatio })
    /** One send per number, each from its own address. */
    const sendAll = async (numbers: string[]) => {
      for (const mobile of numbers) await otp.send({ mobile, clientKey: randomUUID() })
    }
    return { otp, fake, client, events, sendAll, close }
  }

  it('a pinned prefix keeps sending when a wave on the rest of its country pauses the country', async () => {
    const s = await service({
      prefix: { minSends: 1_000, minVerifiedRatio: 0.2 },
      country: { minSends: 16, minVerifiedRatio: 0.2 },
      neverBrake: ['+44740'],
    })
    try {
      await s.sendAll([...range(8).map(in750), ...range(8).map(in751)])
      s.fake.advance(MATURE)
      await s.otp.send({ mobile: in740(1), clientKey: 'real-1' })
      await expect(s.otp.send({ mobile: in750(100), clientKey: 'x' })).rejects.toMatchObject({
        scope: 'brake',
        rule: 'brake-country',
      })
      await s.otp.send({ mobile: in740(2), clientKey: 'real-2' })
    } finally {
      await s.close()
    }
  })
  it('codes reported undelivered after the user asked again are still not evidence (outage with resends)', async () => {
    const s = await service({ prefix: { minSends: 20, minVerifiedRatio: 0.2 } }, 0)
    try {
      // A carrier outage: ten users each ask three times, a minute apart; the failure reports come late.
      for (const round of range(3)) {
        for (const i of range(10)) await s.otp.send({ mobile: in740(i), clientKey: `user-${i}` })
        if (round < 2) s.fake.advance(MINUTE)
      }
      const reports = await s.client.sms.pullStatus({ pageSize: 100 })
      expect(reports.filter((r) => !r.delivered)).toHaveLength(30)
      await s.otp.report(reports)
      expect((await s.otp.stats()).GB?.prefixes['44740']).toMatchObject({ sent: 30, undelivered: 30 })
      s.fake.advance(MATURE)
      await s.otp.send({ mobile: in740(50), clientKey: 'after' })
      expect(s.events.filter((e) => e.type === 'brake')).toEqual([])
    } finally {
      await s.close()
    }
  })
})

describe('RedisBrakeStore keys under attack', () => {
  it('after a wave, a trip, refusals, resends, reports, verifies and a release, every key expires, in one slot per country', async () => {
    const redis = new Redis({ host: '127.0.0.1', port: inject('redisPort') })
    const prefix = `k${randomUUID().slice(0, 8)}:`
    const { otp, fake, client, close } = await brakeService(new RedisBrakeStore({ client: redis, prefix }), {
      countries: ['GB', 'SG'],
      brake: { prefix: { minSends: 10, minVerifiedRatio: 0.2 } },
      successRatio: 0.5,
    })
    try {
      for (const i of range(30)) await otp.send({ mobile: in740(i), clientKey: randomUUID() })
      fake.advance(MINUTE)
      for (const i of range(3)) await otp.send({ mobile: in740(i), clientKey: randomUUID() }) // resends
      await otp.send({ mobile: '+6591234567', clientKey: randomUUID() })
      await otp.verify({ mobile: in740(1), code: fake.outbox.lastCode(in740(1))!, clientKey: 'v' })
      await otp.report(await client.sms.pullStatus({ pageSize: 100 }))
      fake.advance(MATURE)
      for (const i of range(5, 100))
        await expect(otp.send({ mobile: in740(i), clientKey: randomUUID() })).rejects.toMatchObject({
          scope: 'brake',
        })
      expect(await otp.brakes.list()).toHaveLength(1)
      expect(await otp.brakes.release('44740')).toBe(true)
      await otp.send({ mobile: in740(200), clientKey: randomUUID() })

      const keys = await redis.keys(`${prefix}*brake*`)
      expect(keys.length).toBeGreaterThanOrEqual(8)
      for (const key of keys) {
        expect(await redis.pttl(key), key).toBeGreaterThan(0)
        expect(key).toMatch(/^k\w{8}:\{otp:brake:(GB|SG)\}:/)
      }
      // No number in any key or value.
      for (const key of keys) {
        const type = await redis.type(key)
        const value =
          type === 'string'
            ? await redis.get(key)
            : type === 'hash'
              ? JSON.stringify(await redis.hgetall(key))
              : JSON.stringify(await redis.zrange(key, 0, -1))
        expect(`${key} ${value}`).not.toMatch(/7400\d{6}|91234567/)
      }
    } finally {
      await close()
      await redis.quit()
    }
  })
})
