/**
 * Memory of the verification-code state in process memory, measured (not a test: figures for
 * docs/security.md). Run after `pnpm build`:
 *
 *   node --expose-gc --import tsx scripts/otp-memory.ts flood   # 1,000,000 distinct keys into the stores
 *   node --expose-gc --import tsx scripts/otp-memory.ts pairs   # 100,000 send + verify pairs
 *   node --expose-gc --import tsx scripts/otp-memory.ts brake   # 1,000,000 sends, each to a new prefix
 */
import {
  DEFAULT_BRAKE,
  DEFAULT_OTP_LIMITS,
  MemoryBrakeStore,
  MemoryOtpStore,
  MemoryThrottleStore,
  OtpService,
  YunpianClient,
} from '@yunpian-kit/core'
import { startFakeYunpian } from '@yunpian-kit/testing'

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const settle = () => {
  gc()
  gc()
  return process.memoryUsage()
}
const secret = 'memory-secret-memory-secret-memory-secret'
const message = ({ code }: { code: string }) => `【Acme】Your code is ${code}.`

/**
 * A flood of 1,000,000 distinct client keys through `otp.verify` (blind verifies, one new failed-verify
 * budget each: the worst an address-rich attacker can do), then 1,000,000 distinct keys straight into
 * `MemoryThrottleStore` and `MemoryOtpStore`, all at their default caps. Peak RSS is what counts.
 */
async function flood(): Promise<void> {
  const base = settle()
  console.log(`start: rss ${mb(base.rss)}, heap ${mb(base.heapUsed)}`)
  const throttle = new MemoryThrottleStore()
  const codes = new MemoryOtpStore()
  const otp = new OtpService({
    client: new YunpianClient({ apikey: 'a'.repeat(32), baseUrl: 'http://127.0.0.1:9' }),
    secret,
    message,
    countries: ['GB'],
    throttle,
    codes,
  })
  let peak = 0
  const started = performance.now()
  for (let i = 0; i < 1_000_000; i++) {
    await otp.verify({
      mobile: `+447400${String(i % 1000).padStart(6, '0')}`,
      code: '123456',
      clientKey: `2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64`,
    })
    if (i % 100_000 === 99_999) {
      const now = process.memoryUsage()
      peak = Math.max(peak, now.rss)
      console.log(`  ${i + 1} blind verifies: store ${throttle.size} keys, rss ${mb(now.rss)}`)
    }
  }
  console.log(
    `verify flood: 1,000,000 distinct clients in ${((performance.now() - started) / 1000).toFixed(1)} s, store ${throttle.size} keys (cap 100,000), peak rss ${mb(peak)}`,
  )
  const rules = DEFAULT_OTP_LIMITS.perNumber
  for (let i = 0; i < 1_000_000; i++) {
    throttle.consumeSync(`otp:send:number:${i.toString(16).padStart(32, '0')}`, rules)
    await codes.set(`otp:code:login:${i.toString(16).padStart(32, '0')}`, {
      digest: 'ab'.repeat(32),
      ttlMs: 300_000,
      attempts: 5,
    })
    if (i % 100_000 === 99_999) peak = Math.max(peak, process.memoryUsage().rss)
  }
  const after = settle()
  console.log(
    `store flood: 1,000,000 distinct keys into each store: throttle ${throttle.size} keys, codes ${codes.size}; peak rss ${mb(Math.max(peak, after.rss))}, heap after gc ${mb(after.heapUsed)} (${mb(after.heapUsed - base.heapUsed)} above start)`,
  )
}

/**
 * 100,000 users, each asking for a code and verifying it, against the fake Yunpian in this process;
 * send budgets are widened so that all 100,000 go through. The heap the service and its stores hold is
 * the difference between the heap with them and without them (the fake's outbox stays in both).
 */
async function pairs(): Promise<void> {
  const fake = await startFakeYunpian({ rules: false })
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url, connections: 16 })
  const wide = [{ name: 'wide', limit: 1e9, windowMs: 3_600_000 }]
  let otp: OtpService | undefined = new OtpService({
    client,
    secret,
    message,
    countries: ['GB'],
    limits: { perClient: wide, perPrefix: wide, perCountry: wide, global: wide },
    // Room for every pair's state (a number's and a client's budget each), so none is shed.
    throttle: new MemoryThrottleStore({ maxKeys: 1_000_000 }),
  })
  let next = 0
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < 100_000) {
        const i = next++
        const mobile = `+4474${String(i).padStart(8, '0')}`
        const clientKey = `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`
        await otp!.send({ mobile, clientKey })
        const result = await otp!.verify({ mobile, code: fake.outbox.lastCode(mobile)!, clientKey })
        if (!result.ok) throw new Error(`pair ${i} did not verify`)
      }
    }),
  )
  const keys = (otp.throttle as MemoryThrottleStore).size
  const withState = settle()
  otp = undefined
  const without = settle()
  console.log(
    `100,000 send+verify pairs (${keys} throttle keys): the service and its memory stores hold ${mb(withState.heapUsed - without.heapUsed)} of heap (rss ${mb(withState.rss)})`,
  )
  await client.close()
  await fake.close()
}

/**
 * The pumping brake's memory store at its default cap under the widest flood: 1,000,000 sends, each to a new
 * number in a new prefix (far past what the send budgets admit), one a millisecond, none verified.
 */
async function brake(): Promise<void> {
  const base = settle()
  const store = new MemoryBrakeStore()
  const policy = { ...DEFAULT_BRAKE, maturityMs: 300_000 }
  const pinned = { prefix: false, country: false }
  const start = 1_700_000_000_000
  for (let i = 0; i < 1_000_000; i++) {
    const send = {
      country: 'GB',
      prefix: String(4_400_000_000 + i),
      subject: i.toString(16).padStart(32, '0'),
      uid: `otp-${i.toString(16).padStart(36, '0')}`,
      now: start + i,
      pinned,
    }
    await store.send(send, policy)
  }
  const full = settle()
  console.log(
    `1,000,000 sends to 1,000,000 prefixes: the brake store holds ${store.size} entries, ${mb(full.heapUsed - base.heapUsed)} of heap (rss ${mb(full.rss)})`,
  )
}

const mode = process.argv[2]
if (mode === 'flood') await flood()
else if (mode === 'pairs') await pairs()
else if (mode === 'brake') await brake()
else throw new Error('usage: otp-memory.ts flood | pairs | brake')
