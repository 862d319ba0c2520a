import { randomBytes } from 'node:crypto'
import { OtpService, type OtpServiceOptions, YunpianClient } from '@yunpian-kit/core'
import { type FakeYunpian, startFakeYunpian } from '@yunpian-kit/testing'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { RedisOtpStore, RedisThrottleStore } from '../src/index.js'
import { CLIENTS, type ClientUnderTest } from './clients.js'

const UK = '+447400123456'
const ukNumber = (i: number) => `+447400${String(i).padStart(6, '0')}`

/** Every key under `prefix`, from every node (a cluster's keys live on several). */
async function keysUnder(prefix: string, cluster: boolean): Promise<string[]> {
  const ports = cluster ? inject('clusterPorts') : [inject('redisPort')]
  const keys: string[] = []
  for (const port of ports) {
    const node = new Redis({ host: '127.0.0.1', port })
    try {
      keys.push(...(await node.keys(`${prefix}*`)))
    } finally {
      node.disconnect()
    }
  }
  return keys.sort()
}

/**
 * The attacks of issue 14 against the Redis stores, on a real redis-server and the local cluster (whose
 * keys for one request span slots): lockout by strangers, guessing across numbers from two instances,
 * cheap refusals that create no keys, success that leaves no verify state, prefix and daily budgets.
 */
for (const [name, connect] of Object.entries(CLIENTS).filter(([n]) => n !== 'node-redis standalone')) {
  const cluster = /cluster/i.test(name)
  describe(`attacks against the Redis stores: ${name}`, () => {
    let connection: ClientUnderTest
    let fake: FakeYunpian
    let client: YunpianClient
    beforeAll(async () => {
      connection = await connect()
      fake = await startFakeYunpian({ rules: false })
      client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url, retries: 0 })
    })
    afterAll(async () => {
      await client.close()
      await fake.close()
      await connection.close()
    })

    /** An instance of the app: a service on the shared Redis under `prefix` (a fresh one per test). */
    const instance = (prefix: string, options: Partial<OtpServiceOptions> = {}) =>
      new OtpService({
        client,
        throttle: new RedisThrottleStore({ client: connection.client, prefix }),
        codes: new RedisOtpStore({ client: connection.client, prefix }),
        secret: 'a-secret-of-at-least-thirty-two-bytes!!!',
        message: ({ code }) => `【Acme】Your code is ${code}.`,
        countries: ['GB'],
        ...options,
      })
    const freshPrefix = () => `atk${randomBytes(4).toString('hex')}:`

    it('lockout by strangers: ten wrong codes for a number with no code leave its owner untouched', async () => {
      const otp = instance(freshPrefix())
      for (let i = 0; i < 10; i++) await otp.verify({ mobile: UK, code: '000000', clientKey: 'stranger' })
      await otp.send({ mobile: UK, clientKey: 'owner' })
      expect(
        await otp.verify({ mobile: UK, code: fake.outbox.lastCode(UK)!, clientKey: 'owner' }),
      ).toMatchObject({
        ok: true,
        mobile: UK,
      })
    })

    it('guessing across numbers: 200 concurrent guesses through two instances, 10 compared', async () => {
      const prefix = freshPrefix()
      const [a, b] = [instance(prefix), instance(prefix)]
      const pending = Array.from({ length: 20 }, (_, i) => ukNumber(300 + i))
      for (const [i, mobile] of pending.entries()) await a.send({ mobile, clientKey: `user${i}` })
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          (i % 2 ? a : b).verify({ mobile: pending[i % 20]!, code: '123456', clientKey: 'guesser' }),
        ),
      )
      expect(answers.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(10)
      expect(answers.filter((r) => !r.ok && r.reason === 'rate_limited')).toHaveLength(190)
    })

    it('cheap refusals create no keys; a right code leaves no verify state and no code', async () => {
      const prefix = freshPrefix()
      const otp = instance(prefix)
      await otp.verify({ mobile: '+447700900123', code: '123456', clientKey: 'c' }).catch(() => undefined)
      await otp.verify({ mobile: '+33612345678', code: '123456', clientKey: 'c' }).catch(() => undefined)
      await otp.send({ mobile: '+33612345678', clientKey: 'c' }).catch(() => undefined)
      expect(await keysUnder(prefix, cluster)).toEqual([])

      const mobile = ukNumber(400)
      await otp.send({ mobile, clientKey: 'c' })
      await otp.verify({ mobile, code: fake.outbox.lastCode(mobile)!, clientKey: 'c' })
      const keys = await keysUnder(prefix, cluster)
      expect(keys.filter((k) => k.includes('otp:verify') || k.includes('otp:code'))).toEqual([])
      // The send budgets stay, in the otp:send:<scope> scheme; the prefix is the country code and 3 digits.
      expect(keys.map((k) => k.replace(/:[0-9a-f]{32}\}/, ':<hash>}'))).toEqual(
        [
          `${prefix}{otp:send:client:<hash>}:events`,
          `${prefix}{otp:send:country:GB}:events`,
          `${prefix}{otp:send:global}:events`,
          `${prefix}{otp:send:number:<hash>}:events`,
          `${prefix}{otp:send:prefix:44740}:events`,
        ].sort(),
      )
    })

    it('provider trouble: "system busy" gives the number its cooldown back', async () => {
      const otp = instance(freshPrefix())
      const mobile = ukNumber(500)
      fake.fault('system-busy', { endpoint: 'sms/single_send' })
      await expect(otp.send({ mobile, clientKey: 'c' })).rejects.toMatchObject({ code: -51 })
      await expect(otp.send({ mobile, clientKey: 'c' })).resolves.toMatchObject({ expiresIn: 300 })
    })

    it('pumping: a prefix’s hourly budget holds across instances', async () => {
      const prefix = freshPrefix()
      const tight = { limits: { perPrefix: [{ name: 'prefix-1h', limit: 5, windowMs: 3_600_000 }] } }
      const [a, b] = [instance(prefix, tight), instance(prefix, tight)]
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? a : b).send({ mobile: ukNumber(600 + i), clientKey: `bot${i}` }),
        ),
      )
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5)
      for (const r of results.filter((r) => r.status === 'rejected'))
        expect((r as PromiseRejectedResult).reason).toMatchObject({ scope: 'prefix', rule: 'prefix-1h' })
    })
  })
}
