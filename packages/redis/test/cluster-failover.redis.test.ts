import { OtpRateLimitedError, OtpService, StoreError, YunpianClient } from '@yunpian-kit/core'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { Cluster } from 'ioredis'
import { createCluster } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisCluster, startRedisCluster } from '../../../scripts/redis-servers.js'
import { type RedisClientLike, RedisOtpStore, RedisThrottleStore } from '../src/index.js'

const GLOBAL_LIMIT = 40
const GLOBAL_KEY = 'ypk:{otp:send:global}:events'

/** How each library is connected, as docs/redis.md recommends. */
const CONNECT: Record<string, (ports: number[]) => Promise<{ client: RedisClientLike; close(): void }>> = {
  ioredis: async (ports) => {
    const client = new Cluster(
      ports.map((port) => ({ host: '127.0.0.1', port })),
      { enableAutoPipelining: true, redisOptions: { connectTimeout: 1_000 } },
    )
    client.on('error', () => undefined)
    return { client, close: () => client.disconnect() }
  },
  'node-redis': async (ports) => {
    const client = createCluster({
      rootNodes: ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })),
      defaults: {
        disableOfflineQueue: true,
        socket: { connectTimeout: 1_000, reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 1_000) },
      },
    })
    client.on('error', () => undefined)
    await client.connect()
    return { client: client as unknown as RedisClientLike, close: () => client.destroy() }
  },
}

interface Outcome {
  started: number
  at: number
  result: 'sent' | 'limited' | 'store-error'
}

// Six nodes (three masters, one replica each) per library, started together; a failover takes about
// cluster-node-timeout (1 s) plus an election.
const clusters = new Map<string, RedisCluster>()
beforeAll(async () => {
  const started = await Promise.all(
    Object.keys(CONNECT).map(() => startRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 1_000 })),
  )
  for (const [i, name] of Object.keys(CONNECT).entries()) clusters.set(name, started[i]!)
}, 120_000)
afterAll(async () => {
  await Promise.all([...clusters.values()].map((c) => c.stop()))
})

describe('a Cluster master killed under traffic', () => {
  for (const library of Object.keys(CONNECT)) {
    it(`${library}: sends fail closed during the failover, resume by themselves, and no limit is over-admitted`, async ({
      annotate,
    }) => {
      const cluster = clusters.get(library)!
      const fake = await startFakeYunpian()
      const { client, close } = await CONNECT[library]!(cluster.ports)
      const yunpian = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })
      const otp = new OtpService({
        client: yunpian,
        throttle: new RedisThrottleStore({ client }),
        codes: new RedisOtpStore({ client }),
        secret: 'a-secret-of-at-least-thirty-two-bytes!!!',
        message: ({ code }) => `【Acme】Your code is ${code}.`,
        countries: ['GB'],
        // Only the global budget binds. Sends refused during the failover may leave the others spent (their
        // refund fails too), so those are far above what the traffic can reach.
        limits: {
          perClient: [{ name: 'client-1h', limit: 100_000, windowMs: 3_600_000 }],
          perPrefix: [{ name: 'prefix-1h', limit: 100_000, windowMs: 3_600_000 }],
          perCountry: [{ name: 'country-1h', limit: 100_000, windowMs: 3_600_000 }],
          global: [{ name: 'global-1h', limit: GLOBAL_LIMIT, windowMs: 3_600_000 }],
        },
      })
      const outcomes: Outcome[] = []
      const unexpected: unknown[] = []
      let killedAt = 0
      let promoted: Promise<number> | undefined
      let next = 0
      // While set, no new send starts: the kill comes once the replicas hold every event written so far.
      let paused: Promise<void> | undefined
      let inFlight = 0
      const deadline = Date.now() + 25_000
      // Stops once the global budget refuses after the kill: the limit was reached, and held.
      const done = () =>
        Date.now() > deadline ||
        outcomes.some((o) => o.result === 'limited' && o.at > killedAt && killedAt > 0)
      const victim = await cluster.masterOf(GLOBAL_KEY)
      try {
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (!done()) {
              await paused
              const n = next++
              const mobile = `+4474001${String(n).padStart(5, '0')}`
              const started = Date.now()
              inFlight++
              try {
                await otp.send({ mobile, clientKey: 'load' })
                outcomes.push({ started, at: Date.now(), result: 'sent' })
              } catch (error) {
                if (error instanceof OtpRateLimitedError && error.scope === 'global')
                  outcomes.push({ started, at: Date.now(), result: 'limited' })
                else if (error instanceof StoreError)
                  outcomes.push({ started, at: Date.now(), result: 'store-error' })
                else unexpected.push(error)
              } finally {
                inFlight--
              }
              if (!paused && killedAt === 0 && outcomes.filter((o) => o.result === 'sent').length >= 10) {
                let resume: () => void = () => {}
                paused = new Promise((resolve) => {
                  resume = resolve
                })
                while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5))
                // Redis replication is asynchronous (docs/redis.md): the last writes before a crash can be
                // lost, which is Redis's bound, not this store's. Wait them out, then kill under traffic.
                await cluster.settle(victim)
                killedAt = Date.now()
                await cluster.kill(victim)
                paused = undefined
                resume()
                promoted = (async () => {
                  while ((await cluster.masterOf(GLOBAL_KEY).catch(() => victim)) === victim && !done())
                    await new Promise((resolve) => setTimeout(resolve, 20))
                  return Date.now()
                })()
              }
              await new Promise((resolve) => setTimeout(resolve, 25))
            }
          }),
        )
        const sent = outcomes.filter((o) => o.result === 'sent')
        const failed = outcomes.filter((o) => o.result === 'store-error')
        const resumedAt = sent.find((o) => o.started > killedAt)?.at
        const promotedAt = await promoted
        annotate(
          `failover: a replica took over ${promotedAt! - killedAt} ms after the kill; the first send went out ${
            resumedAt ? resumedAt - killedAt : 'never'
          } ms after it; ${failed.length} sends failed closed; ${sent.length} sent of a limit of ${GLOBAL_LIMIT}`,
        )
        expect(unexpected).toEqual([])
        expect(killedAt).toBeGreaterThan(0)
        expect(failed.length).toBeGreaterThan(0) // the failover was felt, and failed closed
        expect(resumedAt).toBeDefined() // and sends came back without a restart
        // Not one more than the limit went out, and every failed send sent nothing.
        expect(sent.length).toBeLessThanOrEqual(GLOBAL_LIMIT)
        expect(fake.outbox.size).toBe(sent.length)
        expect(outcomes.some((o) => o.result === 'limited' && o.started > killedAt)).toBe(true) // reached, and held
        expect(await cluster.masterOf(GLOBAL_KEY)).not.toBe(victim)
      } finally {
        close()
        await yunpian.close()
        await fake.close()
      }
    }, 40_000)
  }
})
