import type { YunpianClient } from '../client.js'
import { jitteredBackoff } from '../protocol/transport.js'
import { DEFAULT_DEDUPE_TTL_MS, type DedupeStore, MemoryDedupeStore } from './dedupe.js'
import type { ReplyRecord, StatusReport } from './records.js'

export interface PollOptions {
  client: YunpianClient
  /** Records per call, 1 to 100 (default 100). */
  pageSize?: number
  /** Wait after a page that was not full (default 10 s). A full page is followed at once. */
  intervalMs?: number
  /** The longest wait after errors or a run of empty pages (default 60 s). */
  maxIntervalMs?: number
  /** Drops records already handled (by push, or an earlier pull). Default: in memory. */
  dedupe?: DedupeStore
  signal?: AbortSignal
  onError?: (error: unknown) => void
}

export interface StatusPollerOptions extends PollOptions {
  onReports: (reports: StatusReport[]) => unknown | Promise<unknown>
  /** Also pulls replies when given. */
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
}

interface Channel<R> {
  pull(): Promise<R[]>
  idOf(record: R): string
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

  constructor(readonly options: PollOptions) {
    this.pageSize = options.pageSize ?? 100
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1 || this.pageSize > 100) {
      throw new RangeError(`pageSize must be an integer from 1 to 100, got ${options.pageSize}`)
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

  /** Pulls one page and keeps the records not handled before (claiming them). Undefined after an error. */
  async pull<R>(channel: Channel<R>): Promise<{ fresh: R[]; full: boolean } | undefined> {
    let page: R[]
    try {
      page = await channel.pull()
    } catch (error) {
      this.options.onError?.(error)
      this.#errorStreak++
      return undefined
    }
    this.#errorStreak = 0
    const fresh: R[] = []
    for (const record of page) {
      if (!(await this.dedupe.seen(channel.idOf(record), DEFAULT_DEDUPE_TTL_MS))) fresh.push(record)
    }
    return { fresh, full: page.length >= this.pageSize }
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
    pull: () => loop.options.client.sms.pullStatus({ pageSize: loop.pageSize }),
    idOf: (r) => `status:${r.sid}`,
  }
}

function replyChannel(loop: PollLoop): Channel<ReplyRecord> {
  return {
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

  const run = async (): Promise<PollerLeftovers> => {
    while (!loop.stopped) {
      const statusPage = await loop.pull(status)
      if (statusPage?.fresh.length && !(await loop.deliver(statusPage.fresh, options.onReports))) {
        leftovers.reports.push(...statusPage.fresh)
      }
      let replyPage: Awaited<ReturnType<typeof loop.pull<ReplyRecord>>>
      if (options.onReplies && !loop.stopped) {
        replyPage = await loop.pull(replies)
        if (replyPage?.fresh.length && !(await loop.deliver(replyPage.fresh, options.onReplies))) {
          leftovers.replies.push(...replyPage.fresh)
        }
      }
      const anyFull = Boolean(statusPage?.full || replyPage?.full)
      const anyRecords = Boolean(statusPage?.fresh.length || replyPage?.fresh.length)
      await loop.sleep(loop.nextDelay(anyFull, anyRecords))
    }
    // Undelivered records go back to the caller, so their claims are released for a later delivery.
    await Promise.all([
      ...leftovers.reports.map((r) => loop.dedupe.forget(status.idOf(r))),
      ...leftovers.replies.map((r) => loop.dedupe.forget(replies.idOf(r))),
    ])
    return leftovers
  }
  const done = run()
  return {
    done,
    stop: () => {
      loop.stop()
      return done
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
      if (page?.fresh.length) yield page.fresh
      await loop.sleep(loop.nextDelay(Boolean(page?.full), Boolean(page?.fresh.length)))
    }
  } finally {
    loop.stop()
  }
}
