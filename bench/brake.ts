import {
  type BrakeStore,
  MemoryBrakeStore,
  OtpService,
  type OtpServiceOptions,
  YunpianClient,
} from '@yunpian-kit/core'
import { RedisBrakeStore, RedisOtpStore, RedisThrottleStore } from '@yunpian-kit/redis'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { Redis } from 'ioredis'
import { startRedisServer } from '../scripts/redis-servers.js'
import { type BenchResult, compare, countRoundTrips, result, throughput } from './harness.js'

const SENDS = 1_500
const CONCURRENCY = 32
const ROUNDS = 3
const huge = [{ name: 'unbounded', limit: 1e9, windowMs: 60_000 }]

/** Today's send path: a brake store that does no work (no pause check, no count). */
const noBrake: BrakeStore = {
  send: async () => ({ allowed: true }),
  unsend: async () => undefined,
  verified: async () => undefined,
  status: async () => undefined,
  list: async () => [],
  release: async () => false,
  figures: async () => [],
}

/**
 * `otp.send` with the pumping brake (its one store step per send) beside the same service with a brake store
 * that does nothing, which is the send path before the brake: in memory, and with every store on a local
 * redis-server. Sends go to distinct numbers across a few hundred prefixes, none verified, budgets unbounded;
 * nothing matures within a run (codes live 5 minutes), so every send is judged and counted, none refused.
 */
export async function benchBrake(): Promise<BenchResult[]> {
  const fake = await startFakeYunpian({ rules: false })
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })
  const server = await startRedisServer()
  const redis = new Redis({ host: '127.0.0.1', port: server.port })
  let run = 0
  const service = (stores: Partial<OtpServiceOptions>) =>
    new OtpService({
      client,
      secret: 'bench-secret-bench-secret-bench-secret!!',
      message: ({ code }) => `【Bench】Your code is ${code}.`,
      countries: ['GB'],
      limits: { perClient: huge, perPrefix: huge, perCountry: huge, global: huge },
      ...stores,
    })
  const redisStores = () => {
    const prefix = `bench${Date.now()}r${run}:`
    const options = { client: redis, prefix, timeoutMs: 10_000 }
    return {
      stores: { throttle: new RedisThrottleStore(options), codes: new RedisOtpStore(options) },
      brake: new RedisBrakeStore(options),
    }
  }
  // Every run sends to numbers no run used before (the per-number budget still applies).
  const sends = (otp: OtpService) => {
    const base = 10_000_000 + (run++ % 80) * 20_000
    return throughput(SENDS, CONCURRENCY, (i) =>
      otp.send({ mobile: `+4474${String(base + i).padStart(8, '0')}`, clientKey: `c${i}` }),
    )
  }
  try {
    const memory = await compare(
      ROUNDS,
      () => sends(service({ brakeStore: new MemoryBrakeStore() })),
      () => sends(service({ brakeStore: noBrake })),
    )
    const onRedis = await compare(
      ROUNDS,
      () => {
        const s = redisStores()
        return sends(service({ ...s.stores, brakeStore: s.brake }))
      },
      () => sends(service({ ...redisStores().stores, brakeStore: noBrake })),
    )
    // Round trips per send on Redis, counted by MONITOR over 100 sends each way.
    const trips = async (brake: boolean) => {
      const s = redisStores()
      const otp = service({ ...s.stores, brakeStore: brake ? s.brake : noBrake })
      await otp.send({ mobile: '+447400000001', clientKey: 'warm' })
      const base = 20_000_000 + run++ * 1_000
      return (
        (await countRoundTrips(redis, async () => {
          for (let i = 0; i < 100; i++)
            await otp.send({ mobile: `+4474${String(base + i).padStart(8, '0')}`, clientKey: `t${i}` })
        })) / 100
      )
    }
    const [withBrake, without] = [await trips(true), await trips(false)]
    return [
      result({
        name: `otp.send with the pumping brake, memory stores (${SENDS} sends, c=${CONCURRENCY})`,
        unit: 'sends/s',
        ...memory,
        against: 'the same send path with a brake store that does nothing (the path before the brake)',
        goal: 0.9,
        goalReason: 'the brake adds one synchronous map update per send to a path that makes an HTTP call',
        note: 'the fake runs in process',
      }),
      result({
        name: `otp.send with the pumping brake, Redis stores (${SENDS} sends, c=${CONCURRENCY})`,
        unit: 'sends/s',
        ...onRedis,
        against: 'the same send path with a brake store that does nothing (the path before the brake)',
        goal: 0.75,
        goalReason: `one more round trip per send: ${withBrake} round trips per send with the brake, ${without} without (MONITOR)`,
        note: `round trips per send (MONITOR): with the brake ${withBrake}, without ${without}`,
      }),
    ]
  } finally {
    await client.close()
    await fake.close()
    await redis.quit()
    await server.stop()
  }
}
