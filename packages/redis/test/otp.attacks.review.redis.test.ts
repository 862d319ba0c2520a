import { randomBytes } from 'node:crypto'
import { OtpService, YunpianClient } from '@yunpian-kit/core'
import { type FakeYunpian, startFakeYunpian } from '@yunpian-kit/testing'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { RedisOtpStore, RedisThrottleStore } from '../src/index.js'

const UK = '+447400123456'
const ukNumber = (i: number) => `+447400${String(i).padStart(6, '0')}`

/**
 * The adversarial review of issue 14 against a real redis-server, through two instances of the app: what
 * held is kept as a regression guard.
 */
describe('review: attacks on the Redis stores through two instances', () => {
  let redis: Redis
  let fake: FakeYunpian
  let client: YunpianClient
  beforeAll(async () => {
    redis = new Redis({ host: '127.0.0.1', port: inject('redisPort') })
    fake = await startFakeYunpian({ rules: false })
    client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url, retries: 0 })
  })
  afterAll(async () => {
    await client.close()
    await fake.close()
    await redis.quit()
  })

  const pair = () => {
    const prefix = `rev${randomBytes(4).toString('hex')}:`
    const instance = () =>
      new OtpService({
        client,
        throttle: new RedisThrottleStore({ client: redis, prefix }),
        codes: new RedisOtpStore({ client: redis, prefix }),
        secret: 'a-secret-of-at-least-thirty-two-bytes!!!',
        message: ({ code }) => `【Acme】Your code is ${code}.`,
        countries: ['GB'],
      })
    return { prefix, a: instance(), b: instance() }
  }

  it('twenty concurrent sends to one number, in two forms, through two instances: one SMS', async () => {
    const { a, b } = pair()
    const mobile = ukNumber(700)
    const before = fake.outbox.size
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).send({
          mobile: i % 4 < 2 ? mobile : mobile.replace('+44', '+440'),
          clientKey: `c${i}`,
        }),
      ),
    )
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    expect(fake.outbox.size - before).toBe(1)
  })

  it('forty concurrent right answers through two instances verify once', async () => {
    const { a, b } = pair()
    const mobile = ukNumber(701)
    await a.send({ mobile, clientKey: 'owner' })
    const code = fake.outbox.lastCode(mobile)!
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).verify({ mobile, code, clientKey: `c${i}` })),
    )
    expect(answers.filter((r) => r.ok)).toHaveLength(1)
  })

  it('blind verifies from 50 clients, past each one’s budget, leave one expiring key per client and nothing per number', async () => {
    const { prefix, a, b } = pair()
    await a.send({ mobile: UK, clientKey: 'owner' })
    const keysBefore = await redis.keys(`${prefix}*`)
    // Eleven rounds: the tenth spends each client's 5-minute budget of 10, the eleventh is refused.
    for (let round = 0; round < 11; round++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 ? a : b).verify({
            mobile: ukNumber(1_000 + round * 50 + i),
            code: '000000',
            clientKey: `bot${i}`,
          }),
        ),
      )
      expect(answers.every((r) => !r.ok && r.reason === (round < 10 ? 'invalid' : 'rate_limited'))).toBe(true)
    }
    const added = (await redis.keys(`${prefix}*`)).filter((k) => !keysBefore.includes(k))
    expect(added.filter((k) => k.includes('otp:verify:client:'))).toHaveLength(50)
    expect(added.filter((k) => !k.includes('otp:verify:'))).toEqual([])
    for (const key of added) {
      const ttl = await redis.pttl(key)
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(3_600_000)
    }
    // The owner is untouched by all of it.
    expect(await b.verify({ mobile: UK, code: fake.outbox.lastCode(UK)!, clientKey: 'owner' })).toMatchObject(
      {
        ok: true,
        mobile: UK,
      },
    )
  })
})
