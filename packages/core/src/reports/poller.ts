import type { YunpianClient } from '../client.js'
import { YunpianOptionsError, YunpianTransportError } from '../errors.js'
import { jitteredBackoff } from '../protocol/transport.js'
import { DEFAULT_DEDUPE_TTL_MS, DEFAULT_LEASE_MS, type DedupeStore, MemoryDedupeStore } from './dedupe.js'
import { emitReportEvent as emit, type ReportEvent } from './handle.js'
import type { ReplyRecord, StatusReport } from './records.js'

export interface PollOptions {
  /** The `YunpianClient` whose `pullStatus` (and `pullReply`) is drained. */
  client: YunpianClient
  /**
   * Records asked for per call, 1 to 100; a page this full is followed by the next call at once.
   * @default 100
   */
  pageSize?: number
  /**
   * Wait after a page that was not full, in milliseconds; doubled per empty page in a row, and backed off
   * with jitter after errors, up to `maxIntervalMs`.
   * @default 10000
   */
  intervalMs?: number
  /**
   * The longest wait after errors or a run of empty pages, and between retries of a failing handler, in
   * milliseconds.
   * @default 60000
   */
  maxIntervalMs?: number
  /**
   * Drops records already handled (by push, or an earlier pull): give it the webhook's store.
   * @default a `MemoryDedupeStore` (this poller only)
   */
  dedupe?: DedupeStore
  /**
   * How long a record's claim in `dedupe` lasts while its page's handler runs, in milliseconds.
   * @default 60000
   */
  leaseMs?: number
  /** Stops the poller when aborted, as `stop()` does. */
  signal?: AbortSignal
  /** `(error) => void`: failed pulls and failing handlers (the poller goes on, backing off), for your log. */
  onError?: (error: unknown) => void
  /**
   * `(event) => void`: `page-lost` when a call failed after Yunpian read it (`requestSent`), so that page's
   * records may be gone (a reconciler with `getRecord` recovers them); `in-flight` for records a push handler
   * holds.
   *
   * Yunpian deletes what it returns, which is why a lost answer can lose records.
   */
  onEvent?: (event: ReportEvent) => void
}

export interface StatusPollerOptions extends PollOptions {
  /**
   * `(reports) => unknown`: receives each page of new status reports; the next call waits until it settles,
   * and a failure retries the same page.
   */
  onReports: (reports: StatusReport[]) => unknown | Promise<unknown>
  /** `(replies) => unknown`: receives each page of new replies; replies are pulled only when it is given. */
  onReplies?: (replies: ReplyRecord[]) => unknown | Promise<unknown>
}

/** What a stopped poller had fetched but could not hand over (its handler kept failing). */
export interface PollerLeftovers {
  reports: StatusReport[]
  replies: ReplyRecord[]
}

export interface StatusPoller {
  /** Stops after the call in flight and its page's handler; resolves with anything undelivered. */
  stop(): Promise<PollerLeftovers>
  /** Settles when the poller has stopped (by `stop()` or `signal`). */
  readonly done: Promise<PollerLeftovers>
  /** Calls that failed after Yunpian read them: pages that may have been lost (also `page-lost` events). */
  readonly lostPages: number
}

interface Channel<R> {
  kind: 'status' | 'reply'
  pull(): Promise<R[]>
  idOf(record: R): string
}

/** A pulled page's new records, each with the lease that claims it. */
interface Page<R> {
  fresh: R[]
  leases: { id: string; token: string }[]
  full: boolean
}

/**
 * The poll loop's shared state: one call at a time, never an HTTP call cut off mid-answer (Yunpian deletes
 * what it returns), sleeps that a stop interrupts, and back-off on errors and empty pages.
 */
class PollLoop {
  readonly pageSize: number
  readonly dedupe: DedupeStore
  #stopped = false
  #wake: (() => void) | undefined
  #idleStreak = 0
  #errorStreak = 0
  lostPages = 0

  constructor(readonly options: PollOptions) {
    this.pageSize = options.pageSize ?? 100
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1 || this.pageSize > 100) {
      throw new YunpianOptionsError('status poller', {
        option: 'pageSize',
        allowed: 'must be a whole number from 1 to 100',
        received: options.pageSize,
      })
    }
    this.dedupe = options.dedupe ?? new MemoryDedupeStore()
    options.signal?.addEventListener('abort', () => this.stop(), { once: true })
    if (options.signal?.aborted) this.#stopped = true
  }

  get stopped(): boolean {
    return this.#stopped
  }

  stop(): void {
    this.#stopped = true
    this.#wake?.()
  }

  /**
   * Pulls one page and keeps the records not handled before, each under a lease. Undefined after an error;
   * one after Yunpian read the request is a page that may be lost, and is reported as such.
   */
  async pull<R>(channel: Channel<R>): Promise<Page<R> | undefined> {
    let page: R[]
    try {
      page = await channel.pull()
    } catch (error) {
      if (error instanceof YunpianTransportError && error.requestSent) {
        this.lostPages++
        emit(this.options, { type: 'page-lost', kind: channel.kind, error })
      }
      this.options.onError?.(error)
      this.#errorStreak++
      return undefined
    }
    this.#errorStreak = 0
    const fresh: R[] = []
    const leases: Page<R>['leases'] = []
    const busy: string[] = []
    const leaseMs = this.options.leaseMs ?? DEFAULT_LEASE_MS
    for (const record of page) {
      const id = channel.idOf(record)
      if (leases.some((l) => l.id === id)) continue
      const claim = await this.dedupe.claim(id, leaseMs)
      if (claim.state === 'claimed') {
        fresh.push(record)
        leases.push({ id, token: claim.token })
      } else if (claim.state === 'busy') busy.push(id)
    }
    // Held by a push handler right now: if it fails, Yunpian pushes again.
    if (busy.length > 0) emit(this.options, { type: 'in-flight', kind: channel.kind, ids: busy })
    return { fresh, leases, full: page.length >= this.pageSize }
  }

  /** Marks a delivered page's records done. */
  async complete(page: Page<unknown>): Promise<void> {
    await Promise.all(page.leases.map(({ id }) => this.dedupe.complete(id, DEFAULT_DEDUPE_TTL_MS)))
  }

  /** Gives back the leases of a page that was not delivered. */
  async release(page: Page<unknown>): Promise<void> {
    await Promise.all(
      page.leases.map(({ id, token }) => this.dedupe.release(id, token).catch(() => undefined)),
    )
  }

  /** How long to wait before the next pull. */
  nextDelay(anyFull: boolean, anyRecords: boolean): number {
    const interval = this.options.intervalMs ?? 10_000
    const max = this.options.maxIntervalMs ?? 60_000
    if (this.#errorStreak > 0) return Math.min(max, jitteredBackoff(interval, this.#errorStreak - 1))
    if (anyFull) {
      this.#idleStreak = 0
      return 0
    }
    this.#idleStreak = anyRecords ? 0 : this.#idleStreak + 1
    return Math.min(max, interval * 2 ** Math.min(this.#idleStreak, 10))
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.#stopped) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.#wake = done
    })
  }

  /** Runs `handler` until it succeeds or the loop stops; false when it stopped first. */
  async deliver<R>(records: R[], handler: (records: R[]) => unknown): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await handler(records)
        return true
      } catch (error) {
        this.options.onError?.(error)
        if (this.#stopped) return false
        await this.sleep(Math.min(this.options.maxIntervalMs ?? 60_000, jitteredBackoff(200, attempt)))
        if (this.#stopped) return false
      }
    }
  }
}

function statusChannel(loop: PollLoop): Channel<StatusReport> {
  return {
    kind: 'status',
    pull: () => loop.options.client.sms.pullStatus({ pageSize: loop.pageSize }),
    idOf: (r) => `status:${r.sid}`,
  }
}

function replyChannel(loop: PollLoop): Channel<ReplyRecord> {
  return {
    kind: 'reply',
    pull: () => loop.options.client.sms.pullReply({ pageSize: loop.pageSize }),
    idOf: (r) => `reply:${r.id}`,
  }
}

/**
 * Drains `pullStatus` (and `pullReply`) one call at a time, hands each page to the handler and waits for it
 * before the next call, retries a failing handler with the page it holds, and stops cleanly.
 */
export function createStatusPoller(options: StatusPollerOptions): StatusPoller {
  const loop = new PollLoop(options)
  const status = statusChannel(loop)
  const replies = replyChannel(loop)
  const leftovers: PollerLeftovers = { reports: [], replies: [] }
  const leftoverPages: Page<unknown>[] = []

  /** Hands a page over; a page still undelivered when the loop stops goes back to the caller. */
  const handOver = async <R>(page: Page<R> | undefined, handler: (records: R[]) => unknown, into: R[]) => {
    if (!page?.fresh.length) return
    if (await loop.deliver(page.fresh, handler)) await loop.complete(page).catch(options.onError)
    else {
      into.push(...page.fresh)
      leftoverPages.push(page)
    }
  }

  const run = async (): Promise<PollerLeftovers> => {
    while (!loop.stopped) {
      const statusPage = await loop.pull(status)
      await handOver(statusPage, options.onReports, leftovers.reports)
      let replyPage: Page<ReplyRecord> | undefined
      if (options.onReplies && !loop.stopped) {
        replyPage = await loop.pull(replies)
        await handOver(replyPage, options.onReplies, leftovers.replies)
      }
      const anyFull = Boolean(statusPage?.full || replyPage?.full)
      const anyRecords = Boolean(statusPage?.fresh.length || replyPage?.fresh.length)
      await loop.sleep(loop.nextDelay(anyFull, anyRecords))
    }
    // Undelivered records go back to the caller, so their claims are released for a later delivery.
    await Promise.all(leftoverPages.map((page) => loop.release(page)))
    return leftovers
  }
  const done = run()
  return {
    done,
    stop: () => {
      loop.stop()
      return done
    },
    get lostPages() {
      return loop.lostPages
    },
  }
}

/**
 * The same drain as an async iterator: each page of new reports is yielded, and the next call waits until
 * the loop body asked for it. Ends when `signal` aborts or the loop breaks.
 */
export async function* pollStatus(options: PollOptions): AsyncGenerator<StatusReport[], void, undefined> {
  const loop = new PollLoop(options)
  const status = statusChannel(loop)
  try {
    while (!loop.stopped) {
      const page = await loop.pull(status)
      if (page?.fresh.length) {
        try {
          yield page.fresh
        } catch (error) {
          await loop.release(page)
          throw error
        }
        // The loop body asked for the next page: this one is handled.
        await loop.complete(page).catch((error: unknown) => loop.options.onError?.(error))
      }
      await loop.sleep(loop.nextDelay(Boolean(page?.full), Boolean(page?.fresh.length)))
    }
  } finally {
    loop.stop()
  }
}
