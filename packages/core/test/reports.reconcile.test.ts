import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createStatusPoller,
  MemoryDedupeStore,
  type MemorySendLedger,
  Reconciler,
  type ReportEvent,
  type StatusReport,
} from '../src/index.js'
import { setup } from './helpers.js'
import { startReceiver } from './receiver.js'

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((x) => x.close()))
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const WINDOW = 10 * 60_000

/** A URL nobody listens on: pushes there fail, as when the webhook is down or unreachable. */
async function deadUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}/yunpian/reports/secret`
}

describe('the reconciler closes the loop with get_record', () => {
  it('with every push dropped, each final status reaches the app once, as Yunpian recorded it', async () => {
    const { fake, client } = await setup({ rules: false, seed: 7, reports: { successRatio: 0.7 } })
    const dedupe = new MemoryDedupeStore()
    const handled: StatusReport[] = []
    const events: ReportEvent[] = []
    const reconciler = new Reconciler({
      client,
      dedupe,
      windowMs: WINDOW,
      onStatus: (reports) => void handled.push(...reports),
      onEvent: (e) => events.push(e),
    })
    const sentAt = Date.now()
    for (let i = 0; i < 30; i++)
      await reconciler.remember(
        await client.sms.singleSend({ mobile: '13800138000', text: `【A】m${i}` }),
        sentAt,
      )
    expect(await reconciler.reconcileOnce(sentAt + WINDOW - 1)).toBe(0) // not before the window
    expect(fake.calls.get('sms/get_record')).toBeUndefined()
    expect(await reconciler.reconcileOnce(sentAt + WINDOW)).toBe(30)
    expect(await reconciler.reconcileOnce(sentAt + 100 * WINDOW)).toBe(0) // nothing twice
    const bySid = new Map(handled.map((r) => [r.sid, r]))
    expect(bySid.size).toBe(30)
    expect(handled).toHaveLength(30)
    for (const m of fake.outbox.all()) {
      expect(bySid.get(m.sid)).toMatchObject({
        sid: m.sid,
        reportStatus: m.report,
        delivered: m.report === 'SUCCESS',
      })
    }
    expect(fake.outbox.all().some((m) => m.report === 'FAIL')).toBe(true)
    expect(
      events.filter((e) => e.type === 'reconciled').flatMap((e) => ('ids' in e ? e.ids : [])),
    ).toHaveLength(30)
    expect((reconciler.ledger as MemorySendLedger).size).toBe(0)
  })

  it('pushed, pulled (with lost pages) or neither: every sid handled exactly once', async () => {
    const { fake, client } = await setup({ rules: false, reports: { delayMs: 5, retryDelayMs: 5 } })
    const dedupe = new MemoryDedupeStore()
    const handled: string[] = []
    const onStatus = (reports: StatusReport[]) => void handled.push(...reports.map((r) => r.sid))
    const receiver = await startReceiver({ dedupe, onStatus })
    opened.push(receiver)
    const dropped = await deadUrl()
    const reconciler = new Reconciler({ client, dedupe, windowMs: WINDOW, onStatus })
    const sentAt = Date.now()
    // A third pushed to the webhook, two thirds pushed into the void.
    for (let i = 0; i < 60; i++) {
      const callbackUrl = i % 3 === 0 ? receiver.url : dropped
      await reconciler.remember(
        await client.sms.singleSend({ mobile: '13800138000', text: `【A】m${i}`, callbackUrl }),
        sentAt,
      )
    }
    await fake.reportsSettled()
    // The poller drains pull_status, and two of its pages are lost on the way back.
    fake.fault('reset-after-request', { endpoint: 'sms/pull_status', times: 2 })
    const lost: ReportEvent[] = []
    const poller = createStatusPoller({
      client,
      dedupe,
      pageSize: 10,
      intervalMs: 5,
      maxIntervalMs: 20,
      onReports: onStatus,
      onEvent: (e) => e.type === 'page-lost' && lost.push(e),
    })
    while ((fake.calls.get('sms/pull_status') ?? 0) < 9) await sleep(5)
    await poller.stop()
    expect(lost).toHaveLength(2)
    const beforeReconcile = new Set(handled).size
    expect(beforeReconcile).toBeLessThan(60)
    await reconciler.reconcileOnce(sentAt + WINDOW)
    expect(handled.slice().sort()).toEqual(
      fake.outbox
        .all()
        .map((m) => m.sid)
        .sort(),
    )
  })

  it('a send Yunpian has no final status for is looked up again, then given up with an event', async () => {
    const { client } = await setup({ rules: false })
    const events: ReportEvent[] = []
    const reconciler = new Reconciler({
      client,
      dedupe: new MemoryDedupeStore(),
      windowMs: WINDOW,
      recheckMs: WINDOW,
      giveUpAfterMs: 3 * WINDOW,
      onStatus: () => {},
      onEvent: (e) => events.push(e),
    })
    const sentAt = Date.now()
    await reconciler.remember({ sid: '12345', mobile: '13800138000' }, sentAt)
    await reconciler.reconcileOnce(sentAt + WINDOW)
    await reconciler.reconcileOnce(sentAt + 2 * WINDOW)
    expect(events).toEqual([])
    await reconciler.reconcileOnce(sentAt + 3 * WINDOW)
    expect(events).toEqual([{ type: 'unresolved', kind: 'status', ids: ['status:12345'] }])
    expect((reconciler.ledger as MemorySendLedger).size).toBe(0)
  })

  it('a failing handler gets the report again next round, and handles it once', async () => {
    const { client } = await setup({ rules: false })
    let fail = true
    const handled: string[] = []
    const events: ReportEvent[] = []
    const reconciler = new Reconciler({
      client,
      dedupe: new MemoryDedupeStore(),
      windowMs: WINDOW,
      intervalMs: 1_000,
      onStatus: (reports) => {
        if (fail) {
          fail = false
          throw new Error('database down')
        }
        handled.push(...reports.map((r) => r.sid))
      },
      onEvent: (e) => events.push(e),
    })
    const sentAt = Date.now()
    const sent = await client.sms.singleSend({ mobile: '13800138000', text: '【A】x' })
    await reconciler.remember(sent, sentAt)
    expect(await reconciler.reconcileOnce(sentAt + WINDOW)).toBe(0)
    expect(events[0]).toMatchObject({ type: 'handler-failed', ids: [`status:${sent.sid}`] })
    expect(await reconciler.reconcileOnce(sentAt + WINDOW + 1_000)).toBe(1)
    expect(handled).toEqual([sent.sid])
  })
})
