import { YunpianClient } from '@yunpian-kit/core'
import { Pool } from 'undici'
import { type BenchResult, compare, fakeInChildProcess, result, throughput } from './harness.js'

const CALLS = 20_000
const CONNECTIONS = 16
const IN_FLIGHT = 64
const TEXT = '【Bench】Your verification code is 123456.'

/** 20,000 singleSend calls through the client beside the same requests made with raw undici. */
export async function benchClient(): Promise<BenchResult[]> {
  const fake = await fakeInChildProcess()
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url, connections: CONNECTIONS })
  const pool = new Pool(fake.url, { connections: CONNECTIONS })
  const mobile = (i: number) => `138${String(i % 100_000_000).padStart(8, '0')}`
  try {
    const best = await compare(
      3,
      () => throughput(CALLS, IN_FLIGHT, (i) => client.sms.singleSend({ mobile: mobile(i), text: TEXT })),
      () =>
        throughput(CALLS, IN_FLIGHT, async (i) => {
          const { body } = await pool.request({
            path: '/v2/sms/single_send.json',
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
              accept: 'application/json;charset=utf-8',
            },
            body: `apikey=${fake.apikey}&mobile=${mobile(i)}&text=${encodeURIComponent(TEXT)}`,
          })
          return body.json()
        }),
    )
    return [
      result({
        name: 'client.sms.singleSend (20,000 calls)',
        ...best,
        unit: 'calls/s',
        goal: 0.9,
        against: 'raw undici Pool.request, same pool size',
      }),
    ]
  } finally {
    await client.close()
    await pool.close()
    fake.close()
  }
}
