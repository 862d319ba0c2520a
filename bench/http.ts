import { fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { OtpService, YunpianClient } from '@yunpian-kit/core'
import { alternate, type BenchResult, fakeInChildProcess, result, withCpu } from './harness.js'
import type { LoadAnswer, LoadRequest } from './load.js'

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

const REQUESTS = 2_000
const CONCURRENCY = 32
/** Rounds per side: each side's best, alternating, so a busy moment on the machine costs neither. */
const ROUNDS = 3

/** The load generator (bench/load.ts) in a second process, started once per framework. */
function loadProcess() {
  const worker = fork(fileURLToPath(new URL('./load.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let numbersUsed = 0
  /** Requests per second for one run of REQUESTS; every answer must be 202. */
  const load = async (url: string, path: string): Promise<number> => {
    const request: LoadRequest = { url, path, total: REQUESTS, concurrency: CONCURRENCY, first: numbersUsed }
    numbersUsed += REQUESTS
    const answered = once(worker, 'message') as Promise<[LoadAnswer]>
    worker.send(request)
    const [answer] = await answered
    if ('error' in answer) throw new Error(`bench ${url}${path}: ${answer.error}`)
    if (Object.keys(answer.statuses).some((s) => s !== '202'))
      throw new Error(`bench ${url}${path}: answers ${JSON.stringify(answer.statuses)}`)
    return answer.rps
  }
  return { load, close: () => worker.kill() }
}

/**
 * Three routes of one framework, loaded from a second process, alternating, best of `ROUNDS` each:
 * `POST /otp/send` through our adapter (`ours`), and on `bare` a route calling `client.sms.singleSend`
 * directly (`POST /bare`) and the framework's own hello-world (`POST /hello`: parse the body, answer
 * 202 `{"status":"sent"}`, nothing else), the ceiling for any route of that framework on this machine.
 */
export async function compareRoutes(name: string, ours: BenchApp, bare: BenchApp): Promise<BenchResult[]> {
  const worker = loadProcess()
  try {
    // This process's CPU per request (the app and the client; the fake and the load run elsewhere).
    const [helloRoute, bareRoute, otpRoute] = [
      withCpu(REQUESTS, () => worker.load(bare.url, '/hello')),
      withCpu(REQUESTS, () => worker.load(bare.url, '/bare')),
      withCpu(REQUESTS, () => worker.load(ours.url, '/otp/send')),
    ]
    const m = await alternate(ROUNDS, {
      hello: helloRoute.measured,
      bare: bareRoute.measured,
      ours: otpRoute.measured,
    })
    const us = (route: { cpu: { perOpUs: number } }) => `${Math.round(route.cpu.perOpUs)} µs`
    const perRequest = `app process CPU per request: /otp/send ${us(otpRoute)}, bare ${us(bareRoute)}, hello ${us(helloRoute)}`
    const unit = 'req/s'
    const load = `${REQUESTS} requests, ${CONCURRENCY} at a time, from a second process`
    const hello = `${name} hello-world route (parses the body, answers 202)`
    return [
      result({
        name: `${name}: POST /otp/send`,
        unit,
        ours: m.ours,
        baseline: m.bare,
        against: `bare ${name} route calling client.sms.singleSend`,
        goal: 0.85,
        goalReason: 'ours also runs the throttle, the code store and two HMACs; the send dominates both',
        note: `${load}; ${perRequest}`,
      }),
      result({
        name: `${name}: POST /otp/send`,
        unit,
        ours: m.ours,
        baseline: m.hello,
        against: hello,
        kind: 'ceiling',
      }),
      result({
        name: `${name}: bare singleSend route`,
        unit,
        ours: m.bare,
        baseline: m.hello,
        against: hello,
        kind: 'ceiling',
      }),
    ]
  } finally {
    worker.close()
  }
}

export const BARE_TEXT = '【Bench】Your code is 123456.'
