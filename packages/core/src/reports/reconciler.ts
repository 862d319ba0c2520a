import type { YunpianClient } from '../client.js'
import type { SendRecord } from '../protocol/responses.js'
import { parseChinaTime } from '../protocol/time.js'
import { DEFAULT_DEDUPE_TTL_MS, DEFAULT_LEASE_MS, type DedupeStore } from './dedupe.js'
import { emitReportEvent, type ReportEvent } from './handle.js'
import type { StatusReport } from './records.js'

/** A send the reconciler watches until its final report is known. */
export interface WatchedSend {
  sid: string
  mobile: string
  /** Epoch ms when it was sent. */
  sentAt: number
}

/**
 * Where a reconciler keeps the sends it watches, shared by every instance (`RedisSendLedger`), or in
 * memory (`MemorySendLedger`).
 */
export interface SendLedger {
  /** Remembers sends (or moves them) to be checked at `dueAt` (epoch ms). */
  remember(sends: readonly WatchedSend[], dueAt: number): Promise<void>
  /** Up to `limit` sends due at `now`, each hidden from other callers for `leaseMs` (so one instance looks it up). */
  takeDue(now: number, limit: number, leaseMs: number): Promise<WatchedSend[]>
  /** Stops watching these sids. */
  forget(sids: readonly string[]): Promise<void>
}

/** What `new MemorySendLedger(options)` takes. */
export interface MemorySendLedgerOptions {
  /**
   * Most sends watched; past it the oldest is dropped with `onDrop`.
   * @default 100000
   */
  maxEntries?: number | undefined
  /** Told of each send dropped for room, whose final status will not be looked up. */
  onDrop?: ((send: WatchedSend) => void) | undefined
}

/** A `SendLedger` in this process's memory: for one instance, or tests. */
export class MemorySendLedger implements SendLedger {
  readonly #entries = new Map<string, { send: WatchedSend; dueAt: number }>()
  readonly #maxEntries: number
  readonly #onDrop: ((send: WatchedSend) => void) | undefined

  constructor(options: MemorySendLedgerOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000
    this.#onDrop = options.onDrop
  }

  get size(): number {
    return this.#entries.size
  }

  async remember(sends: readonly WatchedSend[], dueAt: number): Promise<void> {
    for (const send of sends) {
      this.#entries.delete(send.sid)
      if (this.#entries.size >= this.#maxEntries) {
        const [oldest] = this.#entries.values()
        if (oldest) {
          this.#entries.delete(oldest.send.sid)
          this.#onDrop?.(oldest.send)
        }
      }
      this.#entries.set(send.sid, { send: { ...send }, dueAt })
    }
  }

  async takeDue(now: number, limit: number, leaseMs: number): Promise<WatchedSend[]> {
    const due: WatchedSend[] = []
    for (const entry of this.#entries.values()) {
      if (due.length >= limit) break
      if (entry.dueAt > now) continue
      entry.dueAt = now + leaseMs
      due.push({ ...entry.send })
    }
    return due
  }

  async forget(sids: readonly string[]): Promise<void> {
    for (const sid of sids) this.#entries.delete(sid)
  }
}

/** What `new Reconciler(options)` takes. */
export interface ReconcilerOptions {
  /** The `YunpianClient` whose `get_record` looks sends up. */
  client: YunpianClient
  /** The same dedupe store as the webhook and the poller, so a report arriving several ways is handled once. */
  dedupe: DedupeStore
  /** `(reports) => unknown`: receives the final reports found by lookup (the same handler as the webhook's). */
  onStatus: (reports: StatusReport[]) => unknown | Promise<unknown>
  /**
   * Where watched sends live; `RedisSendLedger` shares them across instances.
   * @default a `MemorySendLedger` (this instance only)
   */
  ledger?: SendLedger | undefined
  /**
   * A send with no final report this long after it was sent is looked up, in milliseconds.
   * @default 600000 (10 minutes)
   */
  windowMs?: number | undefined
  /**
   * Wait before looking up again a send Yunpian has no final status for yet, in milliseconds.
   * @default 600000 (10 minutes)
   */
  recheckMs?: number | undefined
  /**
   * Stop watching a send this long after it was sent, with an `unresolved` event, in milliseconds.
   * @default 259200000 (72 h)
   */
  giveUpAfterMs?: number | undefined
  /**
   * Between rounds of `start()`, in milliseconds; `reconcileOnce()` runs one round.
   * @default 30000
   */
  intervalMs?: number | undefined
  /**
   * Sends looked up per round.
   * @default 100
   */
  batchSize?: number | undefined
  /**
   * `get_record` pages read per round at most.
   * @default 10
   */
  maxPages?: number | undefined
  /** `(event) => void`: `reconciled`, `unresolved` and `handler-failed` events, for logs and metrics. */
  onEvent?: ((event: ReportEvent) => void) | undefined
  /** Errors of a round (it goes on at the next one), for your log. */
  onError?: ((error: unknown) => void) | undefined
  /**
   * The clock (epoch milliseconds): give it the same `now` as the `OtpService`'s.
   * @default Date.now
   */
  now?: (() => number) | undefined
}

/** Yunpian's clock and ours differ a little; a lookup window this wide either side absorbs it. */
const CLOCK_MARGIN_MS = 5 * 60_000
const PAGE_SIZE = 100
const MOBILE_LOOKUPS_PER_ROUND = 20

/**
 * Closes the loop on delivery reports: remembers recent sends, and after `windowMs` looks up with
 * `get_record` those whose final report did not reach the app (by push or pull), handing the final status
 * to `onStatus` through the shared dedupe store. A send still without a final status is looked up again
 * until `giveUpAfterMs`, then reported as `unresolved`.
 */
export class Reconciler {
  readonly #options: ReconcilerOptions
  readonly ledger: SendLedger
  #running: Promise<void> | undefined
  #stopped = true
  #wake: (() => void) | undefined

  constructor(options: ReconcilerOptions) {
    this.#options = options
    this.ledger = options.ledger ?? new MemorySendLedger()
  }

  /** Watches sends (the results of `singleSend`, `tplSingleSend` or batch entries with a sid). */
  async remember(
    sent: { sid: string; mobile: string } | readonly { sid?: string | undefined; mobile: string }[],
    sentAt = (this.#options.now ?? Date.now)(),
  ): Promise<void> {
    const list = Array.isArray(sent) ? sent : [sent]
    const sends = list
      .filter((s): s is { sid: string; mobile: string } => typeof s.sid === 'string')
      .map((s) => ({ sid: s.sid, mobile: s.mobile, sentAt }))
    if (sends.length > 0) await this.ledger.remember(sends, sentAt + (this.#options.windowMs ?? 10 * 60_000))
  }

  /** One round: looks up the sends that are due. Resolves with how many final reports it handed over. */
  async reconcileOnce(now = (this.#options.now ?? Date.now)()): Promise<number> {
    const o = this.#options
    const leaseMs = DEFAULT_LEASE_MS
    const due = await this.ledger.takeDue(now, o.batchSize ?? 100, leaseMs)
    if (due.length === 0) return 0
    // Handled already (pushed or pulled): nothing to look up.
    const claims = await Promise.all(due.map((send) => o.dedupe.claim(`status:${send.sid}`, leaseMs)))
    const done = due.filter((_, i) => claims[i]!.state === 'done').map((s) => s.sid)
    const busy = due.filter((_, i) => claims[i]!.state === 'busy')
    const held = due.flatMap((send, i) => {
      const claim = claims[i]!
      return claim.state === 'claimed' ? [{ send, token: claim.token }] : []
    })
    if (done.length > 0) await this.ledger.forget(done)
    if (busy.length > 0) await this.ledger.remember(busy, now + (o.recheckMs ?? 10 * 60_000))
    if (held.length === 0) return 0

    const release = (items: typeof held) =>
      Promise.all(
        items.map(({ send, token }) => o.dedupe.release(`status:${send.sid}`, token).catch(() => {})),
      )
    let found: Map<string, SendRecord>
    try {
      found = await this.#lookUp(held.map((h) => h.send))
    } catch (error) {
      await release(held)
      await this.ledger.remember(
        held.map((h) => h.send),
        now + Math.min(o.recheckMs ?? 10 * 60_000, o.intervalMs ?? 30_000),
      )
      throw error
    }
    const final = held.filter(({ send }) => isFinal(found.get(send.sid)))
    const open = held.filter(({ send }) => !isFinal(found.get(send.sid)))
    await release(open)
    const expired = open.filter(({ send }) => now - send.sentAt >= (o.giveUpAfterMs ?? 72 * 3_600_000))
    const again = open.filter((h) => !expired.includes(h))
    if (again.length > 0)
      await this.ledger.remember(
        again.map((h) => h.send),
        now + (o.recheckMs ?? 10 * 60_000),
      )
    if (expired.length > 0) {
      await this.ledger.forget(expired.map((h) => h.send.sid))
      emitReportEvent(o, {
        type: 'unresolved',
        kind: 'status',
        ids: expired.map((h) => `status:${h.send.sid}`),
      })
    }
    if (final.length === 0) return 0

    const reports = final.map(({ send }) => toReport(found.get(send.sid)!))
    const ids = final.map(({ send }) => `status:${send.sid}`)
    try {
      await o.onStatus(reports)
    } catch (error) {
      await release(final)
      // Soon again: the status is known, only the handler failed.
      await this.ledger.remember(
        final.map((h) => h.send),
        now + (o.intervalMs ?? 30_000),
      )
      emitReportEvent(o, { type: 'handler-failed', kind: 'status', ids, error })
      return 0
    }
    await Promise.all(ids.map((id) => o.dedupe.complete(id, DEFAULT_DEDUPE_TTL_MS)))
    await this.ledger.forget(final.map((h) => h.send.sid))
    emitReportEvent(o, { type: 'reconciled', kind: 'status', ids })
    return reports.length
  }

  /** Runs `reconcileOnce` every `intervalMs` until `stop()`. */
  start(): this {
    if (this.#running) return this
    this.#stopped = false
    this.#running = (async () => {
      while (!this.#stopped) {
        try {
          await this.reconcileOnce()
        } catch (error) {
          this.#options.onError?.(error)
        }
        if (this.#stopped) break
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, this.#options.intervalMs ?? 30_000)
          function done() {
            clearTimeout(timer)
            resolve()
          }
          this.#wake = done
        })
      }
    })()
    return this
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#wake?.()
    await this.#running
    this.#running = undefined
  }

  /** `get_record` over the sends' time span, page by page, until every sid is found or the pages run out. */
  async #lookUp(sends: WatchedSend[]): Promise<Map<string, SendRecord>> {
    const wanted = new Set(sends.map((s) => s.sid))
    const found = new Map<string, SendRecord>()
    const startTime = new Date(Math.min(...sends.map((s) => s.sentAt)) - CLOCK_MARGIN_MS)
    const endTime = new Date(Math.max(...sends.map((s) => s.sentAt)) + CLOCK_MARGIN_MS)
    const maxPages = this.#options.maxPages ?? 10
    for (let pageNum = 1; pageNum <= maxPages && found.size < wanted.size; pageNum++) {
      const page = await this.#options.client.sms.getRecord({
        startTime,
        endTime,
        pageNum,
        pageSize: PAGE_SIZE,
        // Without a type Yunpian lists domestic sends only; international ones are watched too.
        type: 'all',
      })
      for (const record of page) if (wanted.has(record.sid)) found.set(record.sid, record)
      if (page.length < PAGE_SIZE) break
    }
    // Busy accounts fill the span's pages with other sends: look the rest up by number, a few per round.
    const missing = sends.filter((s) => !found.has(s.sid)).slice(0, MOBILE_LOOKUPS_PER_ROUND)
    for (const send of missing) {
      const page = await this.#options.client.sms.getRecord({
        startTime: new Date(send.sentAt - CLOCK_MARGIN_MS),
        endTime: new Date(send.sentAt + CLOCK_MARGIN_MS),
        mobile: send.mobile,
        pageSize: PAGE_SIZE,
        type: 'all',
      })
      const record = page.find((r) => r.sid === send.sid)
      if (record) found.set(send.sid, record)
    }
    return found
  }
}

function isFinal(record: SendRecord | undefined): record is SendRecord {
  return record?.reportStatus === 'SUCCESS' || record?.reportStatus === 'FAIL'
}

/** A `get_record` entry as the report a push would have carried. */
function toReport(record: SendRecord): StatusReport {
  const delivered = record.reportStatus === 'SUCCESS'
  const time = record.userReceiveTime || null
  return {
    sid: record.sid,
    uid: record.uid || null,
    mobile: record.mobile,
    delivered,
    reportStatus: delivered ? 'SUCCESS' : 'FAIL',
    receivedAt: time === null ? null : (parseChinaTime(time) ?? null),
    userReceiveTime: time,
    errorCode: record.errorMsg || null,
    errorDetail: null,
  }
}
