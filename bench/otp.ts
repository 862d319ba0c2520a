import { createHmac } from 'node:crypto'
import { OtpService, YunpianClient } from '@yunpian-kit/core'
import { RedisOtpStore, RedisThrottleStore } from '@yunpian-kit/redis'
import { Redis } from 'ioredis'
import { startRedisServer } from '../scripts/redis-servers.js'
import {
  alternate,
  type BenchResult,
  bareServerInChildProcess,
  countRoundTrips,
  result,
  throughput,
} from './harness.js'

const VERIFIES = 2_000
const CONCURRENCY = 50
const ROUNDS = 3
const SECRET = 'bench-secret-bench-secret-bench-secret!!'

/**
 * `otp.verify` with the right code, on memory stores and on Redis stores, beside each one's ceiling: for
 * Redis, `PING` at the same concurrency (one round trip, no work); in memory, the two HMAC-SHA-256 every
 * verify computes (the number's key and the code's digest). The codes are sent before each run, untimed,
 * to the bare HTTP server (answers at once); each send has its own purpose, so the code is known by it.
 */
export async function benchVerify(): Promise<BenchResult[]> {
  const bare = await bareServerInChildProcess()
  const client = new YunpianClient({ apikey: 'fa4e0000000000000000000000000000', baseUrl: bare.url })
  const codes = new Map<string, string>()
  const server = await startRedisServer()
  const connect = () => new Redis({ host: '127.0.0.1', port: server.port })
  const [storeClient, pinger] = [connect(), connect()]
  const unbounded = [{ name: 'unbounded', limit: 1e9, windowMs: 60_000 }]
  const service = (stores: Partial<ConstructorParameters<typeof OtpService>[0]>) =>
    new OtpService({
      client,
      secret: SECRET,
      message: ({ code, purpose }) => {
        codes.set(purpose, code)
        return `【Bench】Your code is ${code}.`
      },
      countries: ['GB'],
      limits: { perClient: unbounded, perPrefix: unbounded, perCountry: unbounded, global: unbounded },
      ...stores,
    })
  const memory = service({})
  const redis = service({
    // A generous deadline: on a shared machine the event loop can stall past the default 500 ms.
    throttle: new RedisThrottleStore({ client: storeClient, prefix: 'bench:', timeoutMs: 10_000 }),
    codes: new RedisOtpStore({ client: storeClient, prefix: 'bench:', timeoutMs: 10_000 }),
  })
  let numbersUsed = 0
  /** Sends `count` codes (untimed) and returns what verifies them. */
  const pending = async (otp: OtpService, count: number) => {
    const first = numbersUsed
    numbersUsed += count
    const sends = Array.from({ length: count }, (_, i) => ({
      mobile: `+4474${String(first + i).padStart(8, '0')}`,
      purpose: `p${first + i}`,
      clientKey: `c${first + i}`,
    }))
    await throughput(count, 32, (i) => otp.send(sends[i]!))
    return sends.map((send) => ({ ...send, code: codes.get(send.purpose)! }))
  }
  const verifies = (otp: OtpService) => async () => {
    const right = await pending(otp, VERIFIES)
    codes.clear()
    return throughput(VERIFIES, CONCURRENCY, async (i) => {
      const verified = await otp.verify(right[i]!)
      if (!verified.ok) throw new Error('bench: a right code did not verify')
    })
  }
  try {
    // The second verify is counted: the first loads the scripts (NOSCRIPT, then EVAL).
    const [warm, counted] = await pending(redis, 2)
    await redis.verify(warm!)
    const trips = await countRoundTrips(storeClient, async () => void (await redis.verify(counted!)))
    const m = await alternate(ROUNDS, {
      ping: () => throughput(VERIFIES, CONCURRENCY, () => pinger.ping()),
      hmac: () =>
        throughput(VERIFIES, CONCURRENCY, async (i) => {
          const subject = createHmac('sha256', SECRET).update(`subject\x00+4474${i}`).digest('hex')
          return createHmac('sha256', SECRET).update(`code\x00login\x00${subject}\x00123456`).digest('hex')
        }),
      memory: verifies(memory),
      redis: verifies(redis),
    })
    const unit = 'verifies/s'
    const note = `right codes, ${CONCURRENCY} at a time; codes sent before each run, untimed`
    return [
      result({
        name: 'otp.verify, memory stores',
        unit,
        ours: m.memory,
        baseline: m.hmac,
        against: 'two HMAC-SHA-256 (node:crypto), the hashing every verify does',
        kind: 'ceiling',
        note,
      }),
      result({
        name: 'otp.verify, Redis stores',
        unit,
        ours: m.redis,
        baseline: m.ping,
        against: `Redis PING, c=${CONCURRENCY} (1 round trip, no work)`,
        kind: 'ceiling',
        note: `${note}; round trips per verify (MONITOR): ${trips}`,
      }),
    ]
  } finally {
    await Promise.all([storeClient.quit(), pinger.quit()])
    await server.stop()
    await client.close()
    bare.close()
  }
}
