import { Agent, request } from 'node:http'
import { YunpianClient } from '@yunpian-kit/core'
import { Pool } from 'undici'
import {
  alternate,
  type BenchResult,
  bareServerInChildProcess,
  fakeInChildProcess,
  result,
  throughput,
  withCpu,
} from './harness.js'

const CALLS = 4_000
const CONNECTIONS = 16
const IN_FLIGHT = 64
const ROUNDS = 4
const TEXT = '【Bench】Your verification code is 123456.'
const HEADERS = {
  'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
  accept: 'application/json;charset=utf-8',
}

/** One POST with node:http on a keep-alive agent; resolves once the whole answer is read. */
function post(agent: Agent, url: URL, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: HEADERS }, (res) => {
      res.resume()
      res.once('end', resolve)
      res.once('error', reject)
    })
    req.once('error', reject)
    req.end(body)
  })
}

/**
 * `client.sms.singleSend` beside the same requests made with raw undici (both against the fake in its own
 * process), and beside the ceiling: a bare node:http client and server round trip on loopback, with the
 * same keep-alive pool size and requests in flight. All three in the same rounds.
 */
export async function benchClient(): Promise<BenchResult[]> {
  const fake = await fakeInChildProcess()
  const bare = await bareServerInChildProcess()
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url, connections: CONNECTIONS })
  const pool = new Pool(fake.url, { connections: CONNECTIONS })
  const barePool = new Pool(bare.url, { connections: CONNECTIONS })
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS })
  const bareUrl = new URL('/v2/sms/single_send.json', bare.url)
  const mobile = (i: number) => `138${String(i % 100_000_000).padStart(8, '0')}`
  const form = (i: number) => `apikey=${fake.apikey}&mobile=${mobile(i)}&text=${encodeURIComponent(TEXT)}`
  try {
    const undici = withCpu(CALLS, () =>
      throughput(CALLS, IN_FLIGHT, async (i) => {
        const { body } = await pool.request({
          path: '/v2/sms/single_send.json',
          method: 'POST',
          headers: HEADERS,
          body: form(i),
        })
        return body.json()
      }),
    )
    const ours = withCpu(CALLS, () =>
      throughput(CALLS, IN_FLIGHT, (i) => client.sms.singleSend({ mobile: mobile(i), text: TEXT })),
    )
    const m = await alternate(ROUNDS, {
      nodeHttp: () => throughput(CALLS, IN_FLIGHT, (i) => post(agent, bareUrl, form(i))),
      undiciBare: () =>
        throughput(CALLS, IN_FLIGHT, async (i) => {
          const { body } = await barePool.request({
            path: '/v2/sms/single_send.json',
            method: 'POST',
            headers: HEADERS,
            body: form(i),
          })
          return body.json()
        }),
      undici: undici.measured,
      ours: ours.measured,
    })
    const name = `client.sms.singleSend (${CALLS.toLocaleString('en-US')} calls)`
    const unit = 'calls/s'
    return [
      result({
        name,
        unit,
        ours: m.ours,
        baseline: m.undici,
        against: 'raw undici Pool.request, same pool, same fake',
        goal: 0.9,
        goalReason: 'both make the same request to the same server; ours adds validation and typed answers',
        note: `this process's CPU per call: singleSend ${Math.round(ours.cpu.perOpUs)} µs, raw undici ${Math.round(undici.cpu.perOpUs)} µs`,
      }),
      result({
        name,
        unit,
        ours: m.ours,
        baseline: m.undiciBare,
        against: 'the same undici pool on a bare node:http server',
        kind: 'ceiling',
        note: "the bare server reads the body and answers a fixed JSON: what is left is the fake's work and ours",
      }),
      result({
        name,
        unit,
        ours: m.ours,
        baseline: m.nodeHttp,
        against: 'node:http client on a bare node:http server',
        kind: 'ceiling',
        note: `same ${CONNECTIONS} keep-alive sockets, ${IN_FLIGHT} in flight; node:http's own client costs more per request than undici`,
      }),
    ]
  } finally {
    agent.destroy()
    await client.close()
    await pool.close()
    await barePool.close()
    fake.close()
    bare.close()
  }
}
