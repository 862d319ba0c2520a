import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createStatusPoller,
  handlePush,
  MemoryDedupeStore,
  type PushHandlerOptions,
  pollStatus,
  type ReportEvent,
  type StatusReport,
  YunpianClient,
} from '../src/index.js'

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((x) => x.close()))
})

async function readBody(req: IncomingMessage): Promise<string> {
  let body = ''
  for await (const chunk of req) body += chunk
  return body
}

/**
 * A real receiver on loopback: handlePush behind node:http, answering SUCCESS or asking for a retry.
 * `loseAnswers` first answers are replaced by a failure after handling, as if the answer were lost.
 */
async function receiver(options: Omit<PushHandlerOptions, 'dedupe'> & { loseAnswers?: number }) {
  let lose = options.loseAnswers ?? 0
  const dedupe = new MemoryDedupeStore()
  const server = createServer(async (req, res) => {
    const outcome = await handlePush(await readBody(req), { ...options, dedupe })
    const answer = outcome.acknowledge && lose-- <= 0 ? 'SUCCESS' : 'RETRY'
    res.writeHead(outcome.acknowledge ? 200 : 500, { 'content-type': 'text/plain' }).end(answer)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  opened.push({ close: () => new Promise((r) => server.close(() => r())) })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/yunpian/reports/secret`
}

async function fakeAndClient(options: Parameters<typeof startFakeYunpian>[0] = {}) {
  const fake = await startFakeYunpian({ rules: false, ...options })
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url, retryDelayMs: 5 })
  opened.push(client, fake)
  return { fake, client }
}

describe('status pushes: every report handled once', () => {
  it('even when the fake re-sends after a lost answer', async () => {
    const handled: StatusReport[] = []
    const events: ReportEvent[] = []
    const url = await receiver({
      onStatus: (r) => void handled.push(...r),
      loseAnswers: 2,
      onEvent: (e) => events.push(e),
    })
    const { fake, client } = await fakeAndClient({ reports: { retryDelayMs: 5, delayMs: 5 } })
    for (let i = 0; i < 20; i++)
      await client.sms.singleSend({ mobile: '13800138000', text: `【A】m${i}`, callbackUrl: url })
    await fake.reportsSettled()
    expect(fake.pushes.some((p) => p.attempt > 1)).toBe(true) // the fake did re-send
    expect(handled.map((r) => r.sid).sort()).toEqual(
      fake.outbox
        .all()
        .map((m) => m.sid)
        .sort(),
    )
    expect(events.some((e) => e.type === 'duplicate')).toBe(true)
  })

  it('when the handler fails the first try, the retry delivers the report and it is handled once', async () => {
    const handled: string[] = []
    let failures = 1
    const events: ReportEvent[] = []
    const url = await receiver({
      onStatus: (reports) => {
        if (failures-- > 0) throw new Error('database down')
        handled.push(...reports.map((r) => r.sid))
      },
      onEvent: (e) => events.push(e),
    })
    const { fake, client } = await fakeAndClient({ reports: { retryDelayMs: 5, delayMs: 5 } })
    const sent = await client.sms.singleSend({ mobile: '13800138000', text: '【A】hi', callbackUrl: url })
    await fake.reportsSettled()
    expect(handled).toEqual([sent.sid])
    expect(fake.pushes.map((p) => p.accepted)).toEqual([false, true])
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'handler-failed', ids: [`status:${sent.sid}`] }),
    )
  })

  it('a slow handler is acknowledged only once it finished; one that fails late gets a retry', async () => {
    const events: ReportEvent[] = []
    const handled: string[] = []
    let calls = 0
    const url = await receiver({
      onStatus: async (reports) => {
        await new Promise((r) => setTimeout(r, 150))
        if (calls++ === 0) throw new Error('late failure')
        handled.push(...reports.map((r) => r.sid))
      },
      onEvent: (e) => events.push(e),
    })
    const { fake, client } = await fakeAndClient({ reports: { retryDelayMs: 5, delayMs: 5 } })
    const sent = await client.sms.singleSend({ mobile: '13800138000', text: '【A】slow', callbackUrl: url })
    await fake.reportsSettled()
    expect(fake.pushes.map((p) => p.accepted)).toEqual([false, true])
    expect(handled).toEqual([sent.sid])
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'handler-failed', ids: [`status:${sent.sid}`] }),
    )
  })

  it('reply pushes are checked against the apikey and handled once', async () => {
    const replies: string[] = []
    const { fake } = await fakeAndClient()
    const url = await receiver({
      apikey: fake.apikey,
      onReply: (r) => void replies.push(r.text),
      loseAnswers: 1,
    })
    const other = await startFakeYunpian({ reports: { replyUrl: url, retryDelayMs: 5, delayMs: 5 } })
    opened.push(other)
    other.reply({ mobile: '13800138000', text: 'STOP' })
    await other.reportsSettled()
    expect(replies).toEqual(['STOP'])
    expect(other.pushes.map((p) => p.accepted)).toEqual([false, true])
  })
})

describe('the status poller', () => {
  it('drains pull_status with no loss and no duplicates while the fake keeps producing', async () => {
    const { fake, client } = await fakeAndClient()
    const handled: string[] = []
    const poller = createStatusPoller({
      client,
      pageSize: 7,
      intervalMs: 5,
      maxIntervalMs: 20,
      onReports: async (reports) => {
        await new Promise((r) => setTimeout(r, 1))
        handled.push(...reports.map((r) => r.sid))
      },
    })
    for (let i = 0; i < 60; i++) {
      await client.sms.singleSend({ mobile: '13800138000', text: `【A】${i}` })
      if (i % 10 === 0) fake.queueStatusReports(15)
    }
    while (handled.length < fake.outbox.size + 90) await new Promise((r) => setTimeout(r, 5))
    expect(await poller.stop()).toEqual({ reports: [], replies: [] })
    expect(new Set(handled).size).toBe(handled.length)
    expect(handled.length).toBe(150)
    for (const m of fake.outbox.all()) expect(handled).toContain(m.sid)
  })

  it('never makes two calls at once and waits for the handler before the next call', async () => {
    const { fake, client } = await fakeAndClient()
    fake.queueStatusReports(50)
    const log: string[] = []
    const pullsDuringHandler: number[] = []
    const poller = createStatusPoller({
      client,
      pageSize: 10,
      intervalMs: 5,
      onReports: async (reports) => {
        const before = fake.calls.get('sms/pull_status') ?? 0
        log.push(`handle ${reports.length} after ${before} calls`)
        await new Promise((r) => setTimeout(r, 10))
        pullsDuringHandler.push((fake.calls.get('sms/pull_status') ?? 0) - before)
      },
    })
    while ((fake.calls.get('sms/pull_status') ?? 0) < 6) await new Promise((r) => setTimeout(r, 1))
    await poller.stop()
    expect(pullsDuringHandler.every((n) => n === 0)).toBe(true)
    expect(log.slice(0, 5)).toEqual([1, 2, 3, 4, 5].map((n) => `handle 10 after ${n} calls`))
  })

  it('a handler that keeps failing holds its page; stopping hands the page back, nothing lost', async () => {
    const { fake, client } = await fakeAndClient()
    fake.queueStatusReports(5)
    const errors: unknown[] = []
    const poller = createStatusPoller({
      client,
      intervalMs: 5,
      onReports: async () => {
        throw new Error('sink down')
      },
      onError: (e) => errors.push(e),
    })
    while (errors.length < 3) await new Promise((r) => setTimeout(r, 5))
    const leftovers = await poller.stop()
    expect(leftovers.reports).toHaveLength(5)
    expect(fake.calls.get('sms/pull_status')).toBe(1) // no new page while one is held
  })

  it('stopped mid-page, it finishes handing that page over first', async () => {
    const { fake, client } = await fakeAndClient()
    fake.queueStatusReports(30)
    const handled: string[] = []
    let release: (() => void) | undefined
    const poller = createStatusPoller({
      client,
      pageSize: 30,
      onReports: (reports) =>
        new Promise<void>((resolve) => {
          release = () => {
            handled.push(...reports.map((r) => r.sid))
            resolve()
          }
        }),
    })
    while (!release) await new Promise((r) => setTimeout(r, 2))
    const stopping = poller.stop()
    release()
    expect(await stopping).toEqual({ reports: [], replies: [] })
    expect(handled).toHaveLength(30)
  })

  it('backs off on errors and keeps going', async () => {
    const { fake, client } = await fakeAndClient()
    const errors: unknown[] = []
    fake.fault('http-502', { endpoint: 'sms/pull_status', times: 8 })
    fake.queueStatusReports(3)
    const handled: StatusReport[] = []
    const poller = createStatusPoller({
      client,
      intervalMs: 5,
      maxIntervalMs: 20,
      onReports: (r) => void handled.push(...r),
      onError: (e) => errors.push(e),
    })
    while (handled.length < 3) await new Promise((r) => setTimeout(r, 5))
    await poller.stop()
    expect(errors.length).toBeGreaterThan(0)
  })

  it('pulls replies too when asked', async () => {
    const { fake, client } = await fakeAndClient()
    fake.reply({ mobile: '13800138000', text: 'hello' })
    const texts: string[] = []
    const poller = createStatusPoller({
      client,
      intervalMs: 5,
      onReports: () => {},
      onReplies: (r) => void texts.push(...r.map((x) => x.text)),
    })
    while (texts.length < 1) await new Promise((r) => setTimeout(r, 5))
    await poller.stop()
    expect(texts).toEqual(['hello'])
  })

  it('works as an async iterator and ends on its signal', async () => {
    const { fake, client } = await fakeAndClient()
    fake.queueStatusReports(25)
    const controller = new AbortController()
    const pages: number[] = []
    for await (const reports of pollStatus({
      client,
      pageSize: 10,
      intervalMs: 5,
      signal: controller.signal,
    })) {
      pages.push(reports.length)
      if (pages.reduce((a, b) => a + b, 0) === 25) controller.abort()
    }
    expect(pages).toEqual([10, 10, 5])
  })

  it('a report that arrives by push and by pull is handled once through a shared dedupe store', async () => {
    const dedupe = new MemoryDedupeStore()
    const handled: string[] = []
    const onStatus = (reports: StatusReport[]) => void handled.push(...reports.map((r) => r.sid))
    const { fake, client } = await fakeAndClient({ reports: { delayMs: 5 } })
    const shared = createServer(async (req, res) => {
      const outcome = await handlePush(await readBody(req), { dedupe, onStatus })
      res.writeHead(200, { 'content-type': 'text/plain' }).end(outcome.acknowledge ? 'SUCCESS' : 'RETRY')
    })
    await new Promise<void>((r) => shared.listen(0, '127.0.0.1', r))
    opened.push({ close: () => new Promise((r) => shared.close(() => r())) })
    const sharedUrl = `http://127.0.0.1:${(shared.address() as AddressInfo).port}/`
    const sent = await client.sms.singleSend({
      mobile: '13800138000',
      text: '【A】both',
      callbackUrl: sharedUrl,
    })
    await fake.reportsSettled()
    const poller = createStatusPoller({ client, dedupe, intervalMs: 5, onReports: onStatus })
    while ((fake.calls.get('sms/pull_status') ?? 0) < 2) await new Promise((r) => setTimeout(r, 5))
    await poller.stop()
    expect(handled).toEqual([sent.sid])
  })
})
