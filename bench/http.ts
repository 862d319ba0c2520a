import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { OtpService, YunpianClient } from '@yunpian-kit/core'
import { type BenchResult, fakeInChildProcess, result } from './harness.js'

const run = promisify(execFile)
const REQUESTS = 4_000
const CONCURRENCY = 32

export interface BenchApp {
  url: string
  close(): Promise<void>
}

/** The services both sides share: a client on the fake (own process, rules off) and an OtpService. */
export async function benchServices() {
  const fake = await fakeInChildProcess()
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url, connections: 32 })
  const unbounded = [{ name: 'unbounded', limit: 1e9, windowMs: 60_000 }]
  const otp = new OtpService({
    client,
    secret: 'bench-secret-bench-secret-bench-secret!!',
    message: ({ code }) => `【Bench】Your code is ${code}.`,
    countries: ['GB'],
    limits: { perClient: unbounded, perPrefix: unbounded, perCountry: unbounded, global: unbounded },
  })
  return {
    client,
    otp,
    close: async () => {
      await client.close()
      fake.close()
    },
  }
}

/** Load from a second process; returns requests per second (all answers must be 202). */
let numbersUsed = 0
async function load(url: string, path: string): Promise<number> {
  const script = fileURLToPath(new URL('./load.ts', import.meta.url))
  const first = numbersUsed
  numbersUsed += REQUESTS
  const args = [script, url, path, String(REQUESTS), String(CONCURRENCY), String(first)]
  const { stdout } = await run(process.execPath, ['--import', 'tsx', ...args])
  const { rps, statuses } = JSON.parse(stdout) as { rps: number; statuses: Record<string, number> }
  if (Object.keys(statuses).some((s) => s !== '202'))
    throw new Error(`bench ${url}${path}: answers ${JSON.stringify(statuses)}`)
  return rps
}

/** Rounds per side: each side's best of five, alternating, so a busy moment on the machine costs neither. */
const ROUNDS = 5

/**
 * `POST /otp/send` through an adapter beside a bare route of the same framework that calls
 * `client.sms.singleSend` directly: same process, same client, alternating, best of `ROUNDS` each.
 */
export async function compareRoutes(name: string, ours: BenchApp, bare: BenchApp): Promise<BenchResult> {
  await load(bare.url, '/bare')
  await load(ours.url, '/otp/send')
  let best = { ours: 0, baseline: 0 }
  for (let i = 0; i < ROUNDS; i++) {
    const b = await load(bare.url, '/bare')
    const o = await load(ours.url, '/otp/send')
    best = { ours: Math.max(best.ours, o), baseline: Math.max(best.baseline, b) }
  }
  return result({
    name: `${name}: POST /otp/send`,
    ...best,
    unit: 'req/s',
    goal: 0.85,
    against: `bare ${name} route calling client.sms.singleSend`,
    note: `${REQUESTS} requests, ${CONCURRENCY} at a time, from a second process; ours also runs the throttle, the code store and HMACs`,
  })
}

export const BARE_TEXT = '【Bench】Your code is 123456.'
