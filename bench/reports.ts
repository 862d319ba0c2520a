import { createStatusPoller, parseStatusPush, YunpianClient } from '@yunpian-kit/core'
import { FAKE_APIKEY, startFakeYunpian } from '@yunpian-kit/testing'
import { Pool } from 'undici'
import { type BenchResult, compare, result } from './harness.js'

function pushBody(records: number, offset: number): string {
  const list = Array.from({ length: records }, (_, i) => ({
    sid: `__${9007199254740993n + BigInt(offset + i)}__`,
    uid: null,
    user_receive_time: '2024-05-06 07:08:09',
    error_msg: 'DELIVRD',
    mobile: '+447400123456',
    report_status: 'SUCCESS',
  }))
  return `sms_status=${encodeURIComponent(JSON.stringify(list).replace(/"__(\d+)__"/g, '$1'))}`
}

/** Parsing a 100-record push, beside JSON.parse of the same value. */
export async function benchParse(): Promise<BenchResult[]> {
  const bodies = Array.from({ length: 200 }, (_, i) => pushBody(100, i * 100))
  const values = bodies.map((b) => new URLSearchParams(b).get('sms_status')!)
  const ROUNDS = 1_500
  const best = await compare(
    3,
    async () => {
      const started = performance.now()
      for (let i = 0; i < ROUNDS; i++) parseStatusPush(bodies[i % bodies.length]!)
      return ROUNDS / ((performance.now() - started) / 1000)
    },
    async () => {
      const started = performance.now()
      for (let i = 0; i < ROUNDS; i++) JSON.parse(decodeURIComponent(values[i % values.length]!))
      return ROUNDS / ((performance.now() - started) / 1000)
    },
  )
  return [
    result({
      name: 'parseStatusPush, 100-record push',
      ...best,
      unit: 'pushes/s',
      goal: 0,
      against: 'raw JSON.parse of the same value (no form parsing, no validation)',
      note: 'informational: the price of exact sids and validated records',
    }),
  ]
}

/** The poller draining 30,000 reports from the fake, beside a raw undici loop with JSON.parse. */
export async function benchDrain(): Promise<BenchResult[]> {
  const REPORTS = 30_000
  const fake = await startFakeYunpian({ rules: false })
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })
  const pool = new Pool(fake.url, { connections: 1 })
  try {
    const best = await compare(
      3,
      async () => {
        fake.queueStatusReports(REPORTS)
        let handled = 0
        const started = performance.now()
        await new Promise<void>((resolve) => {
          const poller = createStatusPoller({
            client,
            pageSize: 100,
            intervalMs: 1_000,
            onReports: (reports) => {
              handled += reports.length
              if (handled >= REPORTS) void poller.stop().then(() => resolve())
            },
          })
        })
        return REPORTS / ((performance.now() - started) / 1000)
      },
      async () => {
        fake.queueStatusReports(REPORTS)
        let handled = 0
        const started = performance.now()
        while (handled < REPORTS) {
          const { body } = await pool.request({
            path: '/v2/sms/pull_status.json',
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: `apikey=${FAKE_APIKEY}&page_size=100`,
          })
          handled += (JSON.parse(await body.text()) as unknown[]).length
        }
        return REPORTS / ((performance.now() - started) / 1000)
      },
    )
    return [
      result({
        name: 'createStatusPoller drain, 30,000 reports',
        ...best,
        unit: 'reports/s',
        goal: 0,
        against: 'raw undici pull_status loop + JSON.parse',
        note: 'informational: includes dedupe claims and validation; the fake runs in process',
      }),
    ]
  } finally {
    await client.close()
    await pool.close()
    await fake.close()
  }
}
