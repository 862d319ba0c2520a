import { afterEach, describe, expect, it } from 'vitest'
import {
  createStatusPoller,
  type DedupeClaim,
  type DedupeStore,
  handlePush,
  MemoryDedupeStore,
  type QueuedReports,
  type ReportEvent,
  YunpianTransportError,
} from '../src/index.js'
import { setup } from './helpers.js'
import { startReceiver } from './receiver.js'

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((x) => x.close()))
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Sends `count` messages whose reports the fake pushes to `url`; resolves with their sids. */
async function sendAll(client: Awaited<ReturnType<typeof setup>>['client'], url: string, count: number) {
  const sids: string[] = []
  for (let i = 0; i < count; i++) {
    const sent = await client.sms.singleSend({ mobile: '13800138000', text: `【A】m${i}`, callbackUrl: url })
    sids.push(sent.sid)
  }
  return sids
}

const statusBody = (sid: string) =>
  `sms_status=${encodeURIComponent(JSON.stringify([{ sid: Number(sid), uid: null, user_receive_time: '2024-03-17 22:55:21', error_msg: 'DELIVRD', mobile: '13800138000', report_status: 'SUCCESS' }]))}`

describe('pushes are acknowledged only once handled', () => {
  it('a slow handler that fails now and then: every report handled exactly once, nothing acknowledged early', async () => {
    const handled: string[] = []
    const events: ReportEvent[] = []
    const tries = new Map<string, number>()
    const receiver = await startReceiver({
      dedupe: new MemoryDedupeStore(),
      // Slow (up to 40 ms); a third of the pushes fail their first two tries, after the wait.
      onStatus: async (reports) => {
        const first = reports[0]!.sid
        const tried = tries.get(first) ?? 0
        tries.set(first, tried + 1)
        await sleep((Number(first.slice(-3)) * 7) % 40)
        if (Number(first.slice(-3)) % 3 === 0 && tried < 2) throw new Error('database down')
        handled.push(...reports.map((r) => r.sid))
      },
      onEvent: (e) => events.push(e),
    })
    opened.push(receiver)
    const { fake, client } = await setup({
      rules: false,
      reports: { delayMs: 5, retryDelayMs: 20, retries: 3 },
    })
    const sids = await sendAll(client, receiver.url, 60)
    await fake.reportsSettled()
    expect(handled.slice().sort()).toEqual(sids.slice().sort())
    expect(events.filter((e) => e.type === 'handler-failed').length).toBeGreaterThan(0)
    // Every push the fake stopped retrying was acknowledged, and only after its handler succeeded.
    expect(fake.pushes.filter((p) => !p.accepted).every((p) => p.answer.startsWith('503'))).toBe(true)
  })

  it('a claim whose store call failed mid-push is released (or lapses), so the retry is handled', async () => {
    const inner = new MemoryDedupeStore()
    let claims = 0
    let thrown = 0
    // Three times, a claim lands in the store and then "times out", as a briefly stalled Redis does.
    const flaky: DedupeStore = {
      async claim(id, leaseMs): Promise<DedupeClaim> {
        const claim = await inner.claim(id, leaseMs)
        if (++claims % 5 === 0 && thrown < 3) {
          thrown++
          throw new Error('store did not answer within 500 ms')
        }
        return claim
      },
      complete: (id, ttl) => inner.complete(id, ttl),
      release: (id, token) => inner.release(id, token),
    }
    const handled: string[] = []
    const errors: unknown[] = []
    const receiver = await startReceiver({
      dedupe: flaky,
      leaseMs: 30,
      onStatus: (reports) => void handled.push(...reports.map((r) => r.sid)),
      report: (error) => errors.push(error),
    })
    opened.push(receiver)
    const { fake, client } = await setup({
      rules: false,
      reports: { delayMs: 5, retryDelayMs: 60, retries: 3 },
    })
    const sids = await sendAll(client, receiver.url, 40)
    await fake.reportsSettled()
    expect(thrown).toBe(3)
    // One push's records are claimed together, so two stalls in one push are one failed push, told once.
    expect(errors.length).toBeGreaterThanOrEqual(1)
    expect(errors.length).toBeLessThanOrEqual(thrown)
    for (const error of errors) expect(String(error)).toMatch(/store did not answer/)
    expect(handled.slice().sort()).toEqual(sids.slice().sort())
  })

  it('a push that comes again while its first handler still runs is answered for a retry, not handled twice', async () => {
    const dedupe = new MemoryDedupeStore()
    const handled: string[] = []
    let finish: () => void = () => {}
    const options = {
      dedupe,
      onStatus: async (reports: { sid: string }[]) => {
        await new Promise<void>((resolve) => {
          finish = resolve
        })
        handled.push(...reports.map((r) => r.sid))
      },
    }
    const first = handlePush(statusBody('101'), options)
    await sleep(5)
    expect(await handlePush(statusBody('101'), options)).toMatchObject({ acknowledge: false, fresh: 0 })
    finish()
    expect(await first).toMatchObject({ acknowledge: true, fresh: 1 })
    expect(await handlePush(statusBody('101'), options)).toMatchObject({ acknowledge: true, fresh: 0 })
    expect(handled).toEqual(['101'])
  })

  it('with a queue, a push is acknowledged once stored there, and not before', async () => {
    const stored: QueuedReports[] = []
    let failNext = true
    const events: ReportEvent[] = []
    const options = {
      dedupe: new MemoryDedupeStore(),
      onStatus: () => {
        throw new Error('a queue runs the handlers, not the webhook')
      },
      queue: {
        async enqueue(batch: QueuedReports) {
          if (failNext) {
            failNext = false
            throw new Error('queue down')
          }
          stored.push(batch)
        },
      },
      onEvent: (e: ReportEvent) => events.push(e),
    }
    expect(await handlePush(statusBody('7'), options)).toMatchObject({ acknowledge: false })
    expect(events).toContainEqual(expect.objectContaining({ type: 'enqueue-failed', ids: ['status:7'] }))
    expect(await handlePush(statusBody('7'), options)).toMatchObject({ acknowledge: true, fresh: 1 })
    expect(await handlePush(statusBody('7'), options)).toMatchObject({ acknowledge: true, fresh: 0 })
    expect(stored).toHaveLength(1)
    expect(stored[0]).toMatchObject({ kind: 'status', reports: [{ sid: '7', delivered: true }] })
  })
})

describe('the poller never loses a page silently', () => {
  it('a pull_status answer lost after Yunpian read the request is reported as a lost page', async () => {
    const { fake, client } = await setup({ rules: false })
    fake.queueStatusReports(50)
    fake.fault('reset-after-request', { endpoint: 'sms/pull_status', times: 2 })
    const handled: string[] = []
    const events: ReportEvent[] = []
    const errors: unknown[] = []
    const poller = createStatusPoller({
      client,
      pageSize: 10,
      intervalMs: 5,
      maxIntervalMs: 20,
      onReports: (reports) => void handled.push(...reports.map((r) => r.sid)),
      onEvent: (e) => events.push(e),
      onError: (e) => errors.push(e),
    })
    while ((fake.calls.get('sms/pull_status') ?? 0) < 7) await sleep(5)
    await poller.stop()
    const lost = events.filter((e) => e.type === 'page-lost')
    expect(lost).toHaveLength(2)
    expect(poller.lostPages).toBe(2)
    expect(errors).toHaveLength(2)
    for (const e of errors) expect(e).toMatchObject({ name: 'YunpianTransportError', requestSent: true })
    expect(errors[0]).toBeInstanceOf(YunpianTransportError)
    // Yunpian deleted the two lost pages; everything else reached the handler, once.
    expect(handled).toHaveLength(30)
    expect(new Set(handled).size).toBe(30)
  })
})
