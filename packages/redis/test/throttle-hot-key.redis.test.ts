import { randomBytes } from 'node:crypto'
import type { ThrottleRule } from '@yunpian-kit/core'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { RedisThrottleStore } from '../src/index.js'
import { CONSUME_READ_MAX } from '../src/scripts.js'

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

describe('either side of the read threshold', () => {
  // Small limits are answered from one short read of the newest events, larger ones by ZCOUNT, and every
  // rule from the read when it holds the whole set. Each way must give what the sliding window says.
  const MAX = CONSUME_READ_MAX
  const ruleSets: ThrottleRule[][] = [
    [{ name: 'at', limit: MAX, windowMs: HOUR }],
    [{ name: 'above', limit: MAX + 1, windowMs: HOUR }],
    [
      { name: 'one', limit: 1, windowMs: 500 },
      { name: 'above', limit: MAX + 1, windowMs: HOUR },
      { name: 'day', limit: MAX + 2, windowMs: DAY },
    ],
    [
      { name: 'two', limit: 2, windowMs: 30_000 },
      { name: 'many', limit: 100, windowMs: HOUR },
    ],
  ]
  const cases = ruleSets.flatMap((rules) =>
    [MAX - 2, MAX - 1, MAX, MAX + 1, MAX + 2].map((recent) => ({ rules, recent })),
  )

  /** What the sliding window says, from the events' times: the limit-th newest must leave before another fits. */
  function expected(times: number[], rules: ThrottleRule[], now: number) {
    const newestFirst = [...times].sort((a, b) => b - a)
    let refusal: { rule: string; retryAfterMs: number } | undefined
    let remaining = Number.POSITIVE_INFINITY
    for (const rule of rules) {
      const count = newestFirst.filter((t) => t > now - rule.windowMs).length
      if (count >= rule.limit) {
        const wait = rule.limit === 0 ? rule.windowMs : newestFirst[rule.limit - 1]! + rule.windowMs - now
        if (!refusal || wait > refusal.retryAfterMs) refusal = { rule: rule.name, retryAfterMs: wait }
      } else remaining = Math.min(remaining, rule.limit - count - 1)
    }
    return refusal ? { allowed: false as const, ...refusal } : { allowed: true as const, remaining }
  }

  it.each(cases)(
    '$recent recent events, limits $rules.0.limit…: the sliding window decides',
    async ({ rules, recent }) => {
      const key = `edge:${randomBytes(4).toString('hex')}`
      const now = await redisNow()
      await fill(key, recent, 1000, now) // one a second, the newest a second old
      await fill(key, 1, 1000, now - 2 * DAY) // and one past every window
      const times = (await redis.zrange(eventsKey(key), 0, -1, 'WITHSCORES'))
        .filter((_, i) => i % 2 === 1)
        .map(Number)
      const want = expected(times, rules, now)

      let decision: Awaited<ReturnType<RedisThrottleStore['consume']>> | undefined
      const ran = await scriptCommands(async () => {
        decision = await store.consume(key, rules)
      })
      const elapsed = (await redisNow()) - now
      if (!decision) throw new Error('unreachable')

      // The path taken: a short read when a limit is small, a ZCOUNT for each limit the read did not cover.
      const read = rules.some((r) => r.limit <= MAX)
        ? Math.min(MAX, Math.max(...rules.map((r) => r.limit)))
        : 0
      const whole = times.length < read
      const zcounts = whole ? 0 : rules.filter((r) => r.limit > read).length
      expect(ran.filter((c) => c[0] === 'zrange' && c[3] === '-1')).toHaveLength(read > 0 ? 1 : 0)
      expect(ran.filter((c) => c[0] === 'zcount')).toHaveLength(zcounts)

      if (want.allowed) {
        expect(decision).toEqual(want)
        // What left the longest window is gone; the recent events and the new one remain.
        const scores = (await redis.zrange(eventsKey(key), 0, -1, 'WITHSCORES')).filter((_, i) => i % 2 === 1)
        expect(scores).toHaveLength(recent + 1)
        const longest = Math.max(...rules.map((r) => r.windowMs))
        expect(Math.min(...scores.map(Number))).toBeGreaterThan(now - longest)
        expect(await redis.pttl(eventsKey(key))).toBeGreaterThan(longest - 60_000)
      } else {
        if (decision.allowed) throw new Error(`admitted where ${want.rule} refuses`)
        expect(decision.rule).toBe(want.rule)
        expect(decision.retryAfterMs).toBeLessThanOrEqual(want.retryAfterMs)
        expect(decision.retryAfterMs).toBeGreaterThanOrEqual(want.retryAfterMs - elapsed)
        expect(await redis.zcard(eventsKey(key))).toBe(recent + 1) // a refusal writes nothing
      }
    },
  )
})
