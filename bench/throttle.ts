import { MemoryThrottleStore, OtpService, type ThrottleRule, YunpianClient } from '@yunpian-kit/core'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import { type BenchResult, compare, result, throughput } from './harness.js'

const OPS = 200_000
const KEYS = 50_000
const RULES: ThrottleRule[] = [
  { name: '30s', limit: 1, windowMs: 30_000 },
  { name: '1h', limit: 3, windowMs: 3_600_000 },
  { name: '24h', limit: 10, windowMs: 86_400_000 },
]

/**
 * `consume` over three rules (Yunpian's anti-bombing shape) on 50,000 keys, 200,000 times: a quarter
 * admitted, the rest refused, as under attack. Beside rate-limiter-flexible's RateLimiterMemory as three
 * limiters, stopping at the first refusal (its cheapest use; it is neither exact nor atomic across them).
 */
export async function benchThrottle(): Promise<BenchResult[]> {
  const oursAsync = async () => {
    const store = new MemoryThrottleStore({ maxKeys: KEYS * 2 })
    const started = performance.now()
    for (let i = 0; i < OPS; i++) await store.consume(`k${i % KEYS}`, RULES)
    return OPS / ((performance.now() - started) / 1000)
  }
  const theirs = async () => {
    const limiters = RULES.map((r) => new RateLimiterMemory({ points: r.limit, duration: r.windowMs / 1000 }))
    const started = performance.now()
    for (let i = 0; i < OPS; i++) {
      const key = `k${i % KEYS}`
      for (const limiter of limiters) {
        try {
          await limiter.consume(key)
        } catch (refusal) {
          if (!(refusal instanceof RateLimiterRes)) throw refusal
          break
        }
      }
    }
    return OPS / ((performance.now() - started) / 1000)
  }
  const best = await compare(3, oursAsync, theirs)
  return [
    result({
      name: 'MemoryThrottleStore.consume, 3 rules',
      ...best,
      unit: 'decisions/s',
      goal: 1,
      against: 'rate-limiter-flexible RateLimiterMemory ×3',
      note: 'each decision awaited, as the ThrottleStore interface is',
    }),
  ]
}

/** otp.send + otp.verify round trips against the fake (in process, rules off), beside bare singleSend. */
export async function benchOtp(): Promise<BenchResult[]> {
  const ROUNDS = 1_500
  const fake = await startFakeYunpian({ rules: false })
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })
  const huge = [{ name: 'unbounded', limit: 1e9, windowMs: 60_000 }]
  try {
    const best = await compare(
      3,
      async () => {
        const otp = new OtpService({
          client,
          secret: 'bench-secret-bench-secret-bench-secret!!',
          message: ({ code }) => `【Bench】Your code is ${code}.`,
          countries: ['GB'],
          limits: { perClient: huge, perPrefix: huge, perCountry: huge, global: huge },
        })
        return throughput(ROUNDS, 32, async (i) => {
          const mobile = `+4474${String(i).padStart(8, '0')}`
          await otp.send({ mobile, clientKey: `c${i}` })
          const verified = await otp.verify({
            mobile,
            code: fake.outbox.lastCode(mobile)!,
            clientKey: `c${i}`,
          })
          if (!verified.ok) throw new Error('bench: code did not verify')
        })
      },
      () =>
        throughput(ROUNDS, 32, (i) =>
          client.sms.singleSend({
            mobile: `+4474${String(i).padStart(8, '0')}`,
            text: '【Bench】Your code is 123456.',
          }),
        ),
    )
    return [
      result({
        name: 'otp.send + otp.verify round trips',
        ...best,
        unit: 'round trips/s',
        goal: 0,
        against: 'bare client.sms.singleSend, same fake',
        note: 'informational: no goal set; the fake runs in process',
      }),
    ]
  } finally {
    await client.close()
    await fake.close()
  }
}
