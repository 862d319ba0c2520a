import { randomBytes } from 'node:crypto'
import { type ReportEvent, type StatusReport, YunpianClient } from '@yunpian-kit/core'
import { type FakeYunpian, startFakeYunpian } from '@yunpian-kit/testing'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { startRedisServer } from '../../../scripts/redis-servers.js'
import { startReceiver } from '../../core/test/receiver.js'
import {
  type RedisClientLike,
  RedisDedupeStore,
  type RedisKeyOptions,
  RedisReportQueue,
  type RedisReportQueueSettings,
} from '../src/index.js'
import { CLIENTS } from './clients.js'

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await x.close()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(what: string, done: () => boolean, withinMs = 15_000): Promise<void> {
  const deadline = Date.now() + withinMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** A fake Yunpian that pushes to a webhook whose pushes go through `queue`; `send(n)` resolves with sids. */
async function pushesThrough(
  client: RedisClientLike,
  queue: RedisReportQueue,
  reports: { retryDelayMs: number },
  options: { timeoutMs?: number; leaseMs?: number } = {},
) {
  // The fake's sids start at the same number every run: a prefix of its own keeps tests apart.
  const prefix = `test-${randomBytes(4).toString('hex')}:`
  const dedupe = new RedisDedupeStore({ client, prefix, timeoutMs: options.timeoutMs ?? 500 })
  const receiver = await startReceiver({
    dedupe,
    queue,
    leaseMs: options.leaseMs ?? 60_000,
    report: () => {},
  })
  const fake: FakeYunpian = await startFakeYunpian({
    rules: false,
    reports: { delayMs: 5, retries: 3, ...reports },
  })
  const yunpian = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })
  opened.push(receiver, fake, yunpian)
  return {
    fake,
    async send(count: number, between?: (i: number) => Promise<void>) {
      const sids: string[] = []
      for (let i = 0; i < count; i++) {
        await between?.(i)
        const sent = await yunpian.sms.singleSend({
          mobile: '13800138000',
          text: `【A】m${i}`,
          callbackUrl: receiver.url,
        })
        sids.push(sent.sid)
      }
      return sids
    },
  }
}

function queueOn(
  client: RedisClientLike,
  name: string,
  options: Partial<RedisReportQueueSettings & RedisKeyOptions>,
) {
  const queue = new RedisReportQueue({
    client,
    name,
    pollIntervalMs: 20,
    retryDelayMs: 20,
    leaseMs: 1_000,
    ...options,
  })
  opened.push({ close: () => queue.stop() })
  return queue
}

const uniqueName = () => `reports-${randomBytes(4).toString('hex')}`
const sorted = (xs: string[]) => xs.slice().sort()

describe.each(Object.keys(CLIENTS))('RedisReportQueue on %s', (clientName) => {
  it('two instances hand every pushed report to the app exactly once, a failing handler retried', async () => {
    const { client, close } = await CLIENTS[clientName]!()
    opened.push({ close })
    const name = uniqueName()
    const handled: string[] = []
    const events: ReportEvent[] = []
    let calls = 0
    const onStatus = async (reports: StatusReport[]) => {
      await sleep(calls % 4)
      if (calls++ % 3 === 0) throw new Error('database down')
      handled.push(...reports.map((r) => r.sid))
    }
    const webhookQueue = queueOn(client, name, { onEvent: (e) => events.push(e) })
    const a = queueOn(client, name, { onStatus, onEvent: (e) => events.push(e) }).start()
    const b = queueOn(client, name, { onStatus, onEvent: (e) => events.push(e) }).start()
    const { fake, send } = await pushesThrough(client, webhookQueue, { retryDelayMs: 50 })
    const sids = await send(40)
    await fake.reportsSettled()
    await until('every report handled', () => handled.length >= sids.length)
    await Promise.all([a.stop(), b.stop()])
    expect(sorted(handled)).toEqual(sorted(sids))
    expect(fake.pushes.every((p) => p.accepted)).toBe(true)
    expect(events.some((e) => e.type === 'handler-failed')).toBe(true)
    expect(events.some((e) => e.type === 'dead-lettered')).toBe(false)
  })
})

describe('RedisReportQueue: retries, dead letters, dead instances', () => {
  it('after the last try an entry goes to the dead-letter list with an event; the rest are handled once', async () => {
    const { client, close } = await CLIENTS['ioredis standalone']!()
    opened.push({ close })
    const name = uniqueName()
    const handled: string[] = []
    const events: ReportEvent[] = []
    let poison = ''
    const queue = queueOn(client, name, {
      maxAttempts: 3,
      batchSize: 1,
      onStatus: (reports) => {
        if (reports[0]!.sid === poison) throw new Error('cannot store this one')
        handled.push(...reports.map((r) => r.sid))
      },
      onEvent: (e) => events.push(e),
    })
    const { fake, send } = await pushesThrough(client, queue, { retryDelayMs: 20 })
    const sids = await send(6)
    poison = sids[2]!
    queue.start()
    await fake.reportsSettled()
    await until('the dead letter', () => events.some((e) => e.type === 'dead-lettered'))
    await until('the others', () => handled.length >= 5)
    await queue.stop()
    expect(sorted(handled)).toEqual(sorted(sids.filter((s) => s !== poison)))
    expect(events.filter((e) => e.type === 'handler-failed')).toHaveLength(2)
    expect(events.filter((e) => e.type === 'dead-lettered')).toEqual([
      expect.objectContaining({ ids: [`status:${poison}`], attempts: 3 }),
    ])
    const letters = await queue.deadLetters()
    expect(letters).toHaveLength(1)
    expect(letters[0]).toMatchObject({ id: `status:${poison}`, attempts: 3, error: 'cannot store this one' })
    expect(letters[0]!.batch).toMatchObject({ kind: 'status', reports: [{ sid: poison }] })
  })

  it('entries a dead instance took are claimed by another after the lease and handled once', async () => {
    const { client, close } = await CLIENTS['ioredis standalone']!()
    opened.push({ close })
    const name = uniqueName()
    const doomedClient = new Redis({ port: (client as Redis).options.port, host: '127.0.0.1' })
    const doomed = new RedisReportQueue({
      client: doomedClient,
      name,
      leaseMs: 300,
      onStatus: () => new Promise(() => {}), // hangs: this instance dies with the entries in hand
    })
    const handled: string[] = []
    const { fake, send } = await pushesThrough(client, doomed, { retryDelayMs: 20 })
    const sids = await send(10)
    await fake.reportsSettled()
    void doomed.drainOnce()
    await sleep(50)
    doomedClient.disconnect()
    const survivor = queueOn(client, name, {
      leaseMs: 300,
      onStatus: (reports) => void handled.push(...reports.map((r) => r.sid)),
    }).start()
    await until('the survivor to take over', () => handled.length >= sids.length)
    await sleep(400) // one more lease: nothing comes twice
    await survivor.stop()
    expect(sorted(handled)).toEqual(sorted(sids))
  })
})

describe('Redis paused in the middle of pushes', () => {
  it('every report is handled exactly once: stalled claims are released, no push is queued twice', async () => {
    const server = await startRedisServer()
    opened.push({ close: () => server.stop() })
    const client = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 })
    client.on('error', () => undefined)
    const control = new Redis({ port: server.port, host: '127.0.0.1' })
    opened.push(
      { close: async () => void client.disconnect() },
      { close: async () => void (await control.quit()) },
    )
    const pid = Number(/process_id:(\d+)/.exec(await control.info('server'))![1])
    const handled: string[] = []
    const events: ReportEvent[] = []
    const name = uniqueName()
    const webhookQueue = queueOn(client, name, { timeoutMs: 150 })
    const consumer = queueOn(client, name, {
      timeoutMs: 150,
      leaseMs: 500,
      onStatus: (reports) => void handled.push(...reports.map((r) => r.sid)),
      onEvent: (e) => events.push(e),
    }).start()
    // Yunpian's 5-minute retry gap, scaled down: longer than the claims' lease and the pauses.
    const { fake, send } = await pushesThrough(
      client,
      webhookQueue,
      { retryDelayMs: 900 },
      { timeoutMs: 150, leaseMs: 400 },
    )
    const pause = async () => {
      process.kill(pid, 'SIGSTOP')
      await sleep(350)
      process.kill(pid, 'SIGCONT')
    }
    const pauses: Promise<void>[] = []
    const sids = await send(120, async (i) => {
      if (i % 40 === 20) pauses.push(pause())
      await sleep(2)
    })
    await Promise.all(pauses)
    await fake.reportsSettled()
    await until('every report handled', () => handled.length >= sids.length, 20_000)
    await sleep(600) // a lease more: nothing comes twice
    await consumer.stop()
    const refused = fake.pushes.filter((p) => !p.accepted)
    expect(refused.length).toBeGreaterThan(0) // the pauses did hit pushes
    expect(sorted(handled)).toEqual(sorted(sids))
    expect(events.some((e) => e.type === 'dead-lettered')).toBe(false)
  })
})
