import { randomBytes } from 'node:crypto'
import type { ThrottleRule } from '@yunpian-kit/core'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { RedisThrottleStore } from '../src/index.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

let redis: Redis
let store: RedisThrottleStore
const prefix = `hot${randomBytes(4).toString('hex')}:`
const eventsKey = (key: string) => `${prefix}{${key}}:events`

/** Redis's clock in ms, the one the script uses. */
async function redisNow(): Promise<number> {
  const [seconds, micros] = await redis.time()
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
}

/** Writes `count` events `stepMs` apart, the newest `stepMs` before now, as the script stores them. */
async function fill(key: string, count: number, stepMs: number, endingAt?: number): Promise<number> {
  const now = endingAt ?? (await redisNow())
  for (let from = 1; from <= count; from += 1000) {
    const args: (string | number)[] = []
    for (let i = from; i < from + 1000 && i <= count; i++) args.push(now - i * stepMs, `seed.${now}.${i}`)
    await redis.zadd(eventsKey(key), ...args)
  }
  return now
}

/** The commands the script ran inside Redis during `work`, per MONITOR, each with its arguments. */
async function scriptCommands(work: () => Promise<unknown>): Promise<string[][]> {
  const monitor = await redis.monitor()
  const ran: string[][] = []
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua') ran.push(args.map((a, i) => (i === 0 ? a.toLowerCase() : a)))
  })
  await work()
  const sentinel = new Promise<void>((resolve) =>
    monitor.on('monitor', (_t: string, args: string[]) => args[0]?.toLowerCase() === 'echo' && resolve()),
  )
  await redis.echo('end')
  await sentinel
  monitor.disconnect()
  return ran
}

beforeAll(() => {
  redis = new Redis({ host: '127.0.0.1', port: inject('redisPort') })
  store = new RedisThrottleStore({ client: redis, prefix })
})
afterAll(async () => {
  await redis.quit()
})

describe('a key holding 10,000 events', () => {
  it('counts, refuses and reports the wait exactly, from range operations only', async () => {
    const key = 'otp:send:global'
    // One event a second for the last 10,000 s: 3,599 of them in the last hour.
    const filledAt = await fill(key, 10_000, 1000)
    const roomy: ThrottleRule[] = [
      { name: 'day', limit: 20_000, windowMs: DAY },
      { name: 'hour', limit: 4_000, windowMs: HOUR },
    ]
    const admitted = await scriptCommands(async () => {
      expect(await store.consume(key, roomy)).toEqual({ allowed: true, remaining: 4_000 - 3_599 - 1 })
    })
    const tight: ThrottleRule[] = [...roomy, { name: 'hour-3000', limit: 3_000, windowMs: HOUR }]
    let refusal: Awaited<ReturnType<RedisThrottleStore['consume']>> | undefined
    const refused = await scriptCommands(async () => {
      refusal = await store.consume(key, tight)
    })
    // The 3,000th newest event (now 3,001st after the admission) is 2,999 s old: it leaves in 601 s.
    expect(refusal).toMatchObject({ allowed: false, rule: 'hour-3000' })
    if (!refusal || refusal.allowed) throw new Error('unreachable')
    const elapsed = (await redisNow()) - filledAt
    expect(refusal.retryAfterMs).toBeLessThanOrEqual(601_000)
    expect(refusal.retryAfterMs).toBeGreaterThanOrEqual(601_000 - elapsed)

    // No command reads the set whole: counts by score, and single ranks only.
    expect(refused.map((c) => c[0])).toEqual(['time', 'zcount', 'zcount', 'zcount', 'zrange'])
    expect(refused.at(-1)).toEqual(['zrange', eventsKey(key), '-3000', '-3000', 'WITHSCORES'])
    expect(admitted.map((c) => c[0])).toEqual([
      'time',
      'zcount',
      'zcount',
      'zadd',
      'zremrangebyscore',
      'pexpire',
    ])
    expect(await redis.zcard(eventsKey(key))).toBe(10_001) // the refusal wrote nothing
  })
})

describe('trimming on admission', () => {
  it('drops events past the longest window and expires the set with it; a refusal writes nothing', async () => {
    const key = `trim:${randomBytes(4).toString('hex')}`
    const now = await redisNow()
    await fill(key, 100, 1000, now - 2 * DAY) // all past the longest window
    await fill(key, 50, 1000, now) // 50 in the last minute
    const rules: ThrottleRule[] = [
      { name: 'minute', limit: 100, windowMs: 60_000 },
      { name: 'day', limit: 60, windowMs: DAY },
    ]
    expect(await store.consume(key, rules)).toEqual({ allowed: true, remaining: 60 - 50 - 1 })
    const scores = (await redis.zrange(eventsKey(key), 0, -1, 'WITHSCORES')).filter((_, i) => i % 2 === 1)
    expect(scores).toHaveLength(51)
    expect(Math.min(...scores.map(Number))).toBeGreaterThan(now - DAY)
    const ttl = await redis.pttl(eventsKey(key))
    expect(ttl).toBeGreaterThan(DAY - 60_000)
    expect(ttl).toBeLessThanOrEqual(DAY)

    await fill(key, 100, 1000, now - 2 * DAY) // old events again
    await redis.pexpire(eventsKey(key), 5 * 60_000)
    const tight: ThrottleRule[] = [{ name: 'day', limit: 51, windowMs: DAY }]
    expect(await store.consume(key, tight)).toMatchObject({ allowed: false, rule: 'day' })
    expect(await redis.zcard(eventsKey(key))).toBe(151)
    expect(await redis.pttl(eventsKey(key))).toBeLessThanOrEqual(5 * 60_000)
  })

  it('a rule with a limit of 0 refuses for its whole window', async () => {
    const key = `zero:${randomBytes(4).toString('hex')}`
    expect(await store.consume(key, [{ name: 'closed', limit: 0, windowMs: 5_000 }])).toEqual({
      allowed: false,
      rule: 'closed',
      retryAfterMs: 5_000,
    })
  })
})
