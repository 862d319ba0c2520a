import { stringifyWithBigInts } from './json.js'

export type PushKind = 'sms_status' | 'sms_reply'

/** One POST the fake made to a receiver, and what came of it. */
export interface PushAttempt {
  url: string
  kind: PushKind
  /** Records in this push. */
  count: number
  /** 1 for the first try; Yunpian tries a status push 3 more times, a reply push 5 more. */
  attempt: number
  /** Whether the receiver answered `SUCCESS` or `0`. */
  accepted: boolean
  /** The receiver's status and body, or the network error. */
  answer: string
}

export interface CourierOptions {
  delayMs: number
  retryDelayMs: number
  retries: number
  /** Reply pushes have their own policy: the reply docs say 5 retries, one minute apart. */
  replyRetryDelayMs: number
  replyRetries: number
  timeoutMs: number
}

const STATUS_PUSH_MAX_RECORDS = 100

/**
 * Pushes reports and replies as Yunpian does: status records batched up to 100 per POST, replies one
 * per POST, re-sent until the receiver answers `SUCCESS` or `0`, at most `retries` more times.
 */
export class Courier {
  readonly attempts: PushAttempt[] = []
  readonly #options: CourierOptions
  readonly #pending = new Map<string, { url: string; kind: PushKind; records: unknown[] }>()
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #controller = new AbortController()
  #busy = 0
  #idle: (() => void)[] = []

  constructor(options: CourierOptions) {
    this.#options = options
  }

  enqueue(url: string, kind: PushKind, record: unknown): void {
    if (kind === 'sms_reply') {
      this.#later(this.#options.delayMs, () => this.#deliver(url, kind, [record], 1))
      return
    }
    const key = `${kind} ${url}`
    const batch = this.#pending.get(key)
    if (batch) {
      batch.records.push(record)
      return
    }
    this.#pending.set(key, { url, kind, records: [record] })
    this.#later(this.#options.delayMs, () => {
      const { records } = this.#pending.get(key)!
      this.#pending.delete(key)
      const sends: Promise<void>[] = []
      for (let i = 0; i < records.length; i += STATUS_PUSH_MAX_RECORDS) {
        sends.push(this.#deliver(url, kind, records.slice(i, i + STATUS_PUSH_MAX_RECORDS), 1))
      }
      return Promise.all(sends).then(() => undefined)
    })
  }

  /** Resolves once every push, retries included, has finished. */
  settled(): Promise<void> {
    if (this.#busy === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    this.#controller.abort()
    this.#busy = 0
    this.#wake()
  }

  #later(ms: number, task: () => Promise<void>): void {
    this.#busy++
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      task().finally(() => {
        this.#busy = Math.max(0, this.#busy - 1)
        if (this.#busy === 0) this.#wake()
      })
    }, ms)
    this.#timers.add(timer)
  }

  #wake(): void {
    const waiting = this.#idle
    this.#idle = []
    for (const resolve of waiting) resolve()
  }

  async #deliver(url: string, kind: PushKind, records: unknown[], attempt: number): Promise<void> {
    const value = stringifyWithBigInts(kind === 'sms_reply' ? records[0] : records)
    let accepted = false
    let answer: string
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
        body: `${kind}=${encodeURIComponent(value)}`,
        signal: AbortSignal.any([this.#controller.signal, AbortSignal.timeout(this.#options.timeoutMs)]),
      })
      const text = (await response.text()).trim()
      accepted = response.ok && (text === 'SUCCESS' || text === '0')
      answer = `${response.status} ${text.slice(0, 200)}`
    } catch (error) {
      if (this.#controller.signal.aborted) return
      answer = (error as Error).message
    }
    this.attempts.push({ url, kind, count: records.length, attempt, accepted, answer })
    const reply = kind === 'sms_reply'
    const retries = reply ? this.#options.replyRetries : this.#options.retries
    if (!accepted && attempt <= retries && !this.#controller.signal.aborted) {
      const delayMs = reply ? this.#options.replyRetryDelayMs : this.#options.retryDelayMs
      this.#later(delayMs, () => this.#deliver(url, kind, records, attempt + 1))
    }
  }
}
