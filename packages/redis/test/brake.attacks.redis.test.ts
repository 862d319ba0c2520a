// The pumping brake on Redis, attacked: the same attacks as core's brake.attacks test, on the four clients
// (ioredis and node-redis, standalone and Cluster) against real servers.
import { randomUUID } from 'node:crypto'
import { type OtpEvent, OtpService, type OtpServiceOptions, YunpianClient } from '@yunpian-kit/core'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { RedisBrakeStore } from '../src/index.js'
import { CLIENTS, type ClientUnderTest } from './clients.js'

const MINUTE = 60_000
const in740 = (i: number) => `+447400${100000 + i}`
const in750 = (i: number) => `+447500${100000 + i}`
const in751 = (i: number) => `+447510${100000 + i}`
/** Every code sent so far has expired (5 minutes), and its bucket closed. */
const MATURE = 7 * MINUTE
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i)

describe.each(Object.keys(CLIENTS))('attacks on RedisBrakeStore on %s', (name) => {
  let connection: ClientUnderTest
  beforeAll(async () => {
    connection = await CLIENTS[name]!()
  })
  afterAll(async () => {
    await connection.close()
  })

  async function service(brake: OtpServiceOptions['brake'], successRatio = 1) {
    const fake = await startFakeYunpian({ now: 1_700_000_000_000, reports: { successRatio } })
    const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url, retries: 0 })
    const store = new RedisBrakeStore({ client: connection.client, prefix: `a${randomUUID().slice(0, 8)}:` })
    const events: OtpEvent[] = []
    const otp = new OtpService({
      client,
      secret: 'a-secret-of-at-least-thirty-two-bytes!!!',
      message: ({ code }) => `【Acme】Your code is ${code}.`,
      countries: ['GB'],
      now: fake.now,
      brake,
      brakeStore: store,
      onEvent: (e) => events.push(e),
    })
    /** One send per number, each from its own address. */
    const sendAll = async (numbers: string[]) => {
      for (const mobile of numbers) await otp.send({ mobile, clientKey: randomUUID() })
    }
    const close = async () => {
      await client.close()
      await fake.close()
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
    const fake = await startFakeYunpian({ now: 1_700_000_000_000, reports: { successRatio: 0.5 } })
    const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url, retries: 0 })
    const prefix = `k${randomUUID().slice(0, 8)}:`
    const otp = new OtpService({
      client,
      secret: 'a-secret-of-at-least-thirty-two-bytes!!!',
      message: ({ code }) => `【Acme】Your code is ${code}.`,
      countries: ['GB', 'SG'],
      now: fake.now,
      brake: { prefix: { minSends: 10, minVerifiedRatio: 0.2 } },
      brakeStore: new RedisBrakeStore({ client: redis, prefix }),
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
      await client.close()
      await fake.close()
      await redis.quit()
    }
  })
})
