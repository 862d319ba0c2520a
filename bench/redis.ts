import type { ThrottleRule } from '@yunpian-kit/core'
import { RedisThrottleStore } from '@yunpian-kit/redis'
import { Redis } from 'ioredis'
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import { startRedisServer } from '../scripts/redis-servers.js'
import { type BenchResult, compare, result, throughput } from './harness.js'

const RULES: ThrottleRule[] = [
  { name: '30s', limit: 1, windowMs: 30_000 },
  { name: '1h', limit: 3, windowMs: 3_600_000 },
  { name: '24h', limit: 10, windowMs: 86_400_000 },
]
const OPS = 20_000
const KEYS = 5_000

/** Commands clients sent (not the ones scripts ran inside Redis) while `work` ran, per MONITOR. */
async function countRoundTrips(redis: Redis, work: () => Promise<void>): Promise<number> {
  const monitor = await redis.monitor()
  let sent = 0
  monitor.on('monitor', (_t: string, args: string[], source: string) => {
    if (source !== 'lua' && args[0]?.toLowerCase() !== 'echo') sent++
  })
  await work()
  const sentinel = new Promise<void>((resolve) =>
    monitor.on('monitor', (_t: string, args: string[]) => args[0]?.toLowerCase() === 'echo' && resolve()),
  )
  await redis.echo('end')
  await sentinel
  monitor.disconnect()
  return sent
}

/** consume over three rules on a local redis-server at concurrency 1 and 50, beside RateLimiterRedis ×3. */
export async function benchRedis(): Promise<BenchResult[]> {
  const server = await startRedisServer()
  const ours = new Redis({ host: '127.0.0.1', port: server.port })
  const theirs = new Redis({ host: '127.0.0.1', port: server.port })
  const store = new RedisThrottleStore({ client: ours, prefix: `bench${Date.now()}:` })
  const limiters = RULES.map(
    (r, i) =>
      new RateLimiterRedis({
        storeClient: theirs,
        points: r.limit,
        duration: r.windowMs / 1000,
        keyPrefix: `rlf${i}${Date.now()}`,
      }),
  )
  let round = 0
  // `keys`: OPS distinct keys (every decision admitted, the everyday path) or KEYS (a quarter admitted).
  const oursAt = (concurrency: number, keys: number) => () => {
    const prefix = `r${round++}`
    return throughput(OPS, concurrency, (i) => store.consume(`${prefix}:${i % keys}`, RULES))
  }
  const theirsAt = (concurrency: number, keys: number) => () => {
    const prefix = `r${round++}`
    return throughput(OPS, concurrency, async (i) => {
      for (const limiter of limiters) {
        try {
          await limiter.consume(`${prefix}:${i % keys}`)
        } catch (refusal) {
          if (!(refusal instanceof RateLimiterRes)) throw refusal
          break
        }
      }
    })
  }
  try {
    const results: BenchResult[] = []
    const trips = await countRoundTrips(ours, async () => {
      for (let i = 0; i < 100; i++) await store.consume(`trips:${i}`, RULES)
    })
    const theirTrips = await countRoundTrips(theirs, async () => {
      for (let i = 0; i < 100; i++) {
        for (const limiter of limiters) await limiter.consume(`trips:${i}`).catch(() => undefined)
      }
    })
    for (const [concurrency, keys, workload] of [
      [1, OPS, 'all admitted'],
      [50, OPS, 'all admitted'],
      [1, KEYS, '1 in 4 admitted'],
      [50, KEYS, '1 in 4 admitted'],
    ] as const) {
      const best = await compare(2, oursAt(concurrency, keys), theirsAt(concurrency, keys))
      results.push(
        result({
          name: `RedisThrottleStore.consume, 3 rules, c=${concurrency}, ${workload}`,
          ...best,
          unit: 'decisions/s',
          goal: 2,
          against: 'rate-limiter-flexible RateLimiterRedis ×3',
          note: `round trips per admitted decision (MONITOR): ours ${trips / 100}, theirs ${theirTrips / 100}; theirs stops at its first refusing limiter`,
        }),
      )
    }
    results.push(await hotKeyRow(ours))
    return results
  } finally {
    await ours.quit()
    await theirs.quit()
    await server.stop()
  }
}

/**
 * A global-budget style key already holding 10,000 events in its window, beside decisions on fresh keys:
 * with range operations per rule a decision should not slow down as its key fills.
 */
async function hotKeyRow(redis: Redis): Promise<BenchResult> {
  const store = new RedisThrottleStore({ client: redis, prefix: 'bench-hot:' })
  const rules: ThrottleRule[] = [
    { name: 'global-1h', limit: 100_000, windowMs: 3_600_000 },
    { name: 'global-24h', limit: 1_000_000, windowMs: 86_400_000 },
  ]
  const ops = 5_000
  let round = 0
  const hot = async () => {
    const key = `hot${round++}`
    const [seconds] = await redis.time()
    for (let from = 0; from < 10_000; from += 1_000) {
      const args: (string | number)[] = []
      for (let i = from; i < from + 1_000; i++) args.push(Number(seconds) * 1000 - i * 300, `seed.${i}`)
      await redis.zadd(`bench-hot:{${key}}:events`, ...args)
    }
    return throughput(ops, 50, () => store.consume(key, rules))
  }
  const fresh = () => {
    const prefix = `fresh${round++}`
    return throughput(ops, 50, (i) => store.consume(`${prefix}:${i}`, rules))
  }
  const best = await compare(2, hot, fresh)
  return result({
    name: 'RedisThrottleStore.consume, one key holding 10,000 events, c=50',
    ...best,
    unit: 'decisions/s',
    goal: 0.8,
    against: 'the same decisions on fresh keys',
    note: `${ops} decisions per round; the hot key grows from 10,000 to ${10_000 + ops} events`,
  })
}
