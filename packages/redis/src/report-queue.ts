import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import {
  DEFAULT_DEDUPE_TTL_MS,
  decodeQueuedReports,
  deliverReports,
  emitReportEvent as emit,
  encodeQueuedReports,
  type QueuedReports,
  type ReportEvent,
  type ReportHandlers,
  type ReportQueue,
  ReportQueueError,
  YunpianOptionsError,
} from '@yunpian-kit/core'
import { RedisConnection, type RedisConnectionOptions } from './connection.js'
import {
  QUEUE_ACK,
  QUEUE_ADD,
  QUEUE_DEAD,
  QUEUE_DEAD_LIST,
  QUEUE_RETRY,
  QUEUE_TAKE,
} from './report-scripts.js'

/** `{ client }` or `{ url }`, the key options, the report handlers and the queue's settings. */
export type RedisReportQueueOptions = RedisConnectionOptions & RedisReportQueueSettings

/** What `RedisReportQueue` takes besides its connection: `onStatus` / `onReply` and how it consumes. */
export interface RedisReportQueueSettings extends ReportHandlers {
  /**
   * The queue's name: its keys are `{prefix}{name}:…`, one Cluster slot.
   * @default 'reports'
   */
  name?: string | undefined
  /**
   * The consumer group every instance joins.
   * @default 'yunpian-kit'
   */
  group?: string | undefined
  /**
   * This instance's consumer name.
   * @default host, pid and a random part
   */
  consumer?: string | undefined
  /**
   * Entries taken per round.
   * @default 50
   */
  batchSize?: number | undefined
  /**
   * Wait between rounds that found nothing, in milliseconds.
   * @default 250
   */
  pollIntervalMs?: number | undefined
  /**
   * How long an entry taken by a consumer is its own, in milliseconds: a handler must finish within it, and
   * entries a dead instance took are claimed by the others after it. Also the longest retry delay.
   * @default 60000
   */
  leaseMs?: number | undefined
  /**
   * First retry delay in milliseconds, doubled per try up to `leaseMs`.
   * @default 1000
   */
  retryDelayMs?: number | undefined
  /**
   * Tries before an entry goes to the dead-letter list.
   * @default 10
   */
  maxAttempts?: number | undefined
  /**
   * How long a record id stays known to `enqueue`, so a re-sent push is not queued twice, in milliseconds.
   * @default 86400000 (a day)
   */
  dedupeTtlMs?: number | undefined
  /** `handler-failed` per failed try, `dead-lettered` after the last one. */
  onEvent?: ((event: ReportEvent) => void) | undefined
  /** Redis errors of the consumer loop (it keeps going, backing off). */
  onError?: ((error: unknown) => void) | undefined
}

/** What the dead-letter list holds per record (JSON). */
export interface DeadLetter {
  entryId: string
  id: string
  batch: QueuedReports
  attempts: number
  error: string
  at: string
}

interface Entry {
  entryId: string
  id: string
  batch: QueuedReports
  deliveries: number
}

/**
 * Pushed reports in a Redis Stream. `enqueue` (the webhook) appends each record once, before `SUCCESS`;
 * `start()` joins the consumer group on this instance and hands entries to `onStatus` / `onReply` at
 * least once: failed tries are retried with backoff, entries a dead instance held are claimed after
 * `leaseMs` (XAUTOCLAIM), and after `maxAttempts` an entry moves to the dead-letter list with a
 * `dead-lettered` event. Every key shares one hash tag, so it works on Redis Cluster.
 */
export class RedisReportQueue implements ReportQueue {
  readonly #redis: RedisConnection
  readonly #options: RedisReportQueueOptions
  readonly #stream: string
  readonly #dead: string
  readonly #name: string
  readonly #group: string
  readonly #consumer: string
  readonly #leaseMs: number
  #cursor = '0-0'
  #running: Promise<void> | undefined
  #stopped = true
  #wake: (() => void) | undefined

  constructor(options: RedisReportQueueOptions) {
    this.#redis = new RedisConnection(options, ReportQueueError)
    this.#options = options
    this.#name = options.name ?? 'reports'
    this.#stream = this.#redis.key(this.#name, 'stream')
    this.#dead = this.#redis.key(this.#name, 'dead')
    this.#group = options.group ?? 'yunpian-kit'
    this.#consumer = options.consumer ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
    this.#leaseMs = options.leaseMs ?? 60_000
    for (const [option, value] of [
      ['leaseMs', this.#leaseMs],
      ['batchSize', options.batchSize ?? 50],
      ['maxAttempts', options.maxAttempts ?? 10],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        throw new YunpianOptionsError('RedisReportQueue', {
          option,
          allowed: 'must be a positive whole number',
          received: value,
        })
    }
  }

  /** Appends each record once (ids already queued within `dedupeTtlMs` are skipped), in one script call. */
  async enqueue(batch: QueuedReports, ids: readonly string[]): Promise<void> {
    const records = splitBatch(batch)
    if (records.length !== ids.length) throw new TypeError('enqueue needs one id per record')
    const keys = [this.#stream, ...ids.map((id) => this.#redis.key(this.#name, `queued:${id}`))]
    const args: (string | number)[] = [this.#group, this.#options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS]
    records.forEach((record, i) => {
      args.push(ids[i]!, encodeQueuedReports(record))
    })
    await this.#redis.run(QUEUE_ADD, keys, args)
  }

  /** Joins the consumer group and starts handing entries to the handlers. */
  start(): this {
    if (this.#running) return this
    if (!this.#options.onStatus && !this.#options.onReply)
      throw new YunpianOptionsError('RedisReportQueue', {
        option: 'onStatus',
        allowed: 'start() needs onStatus, onReply or both',
        received: this.#options.onStatus,
      })
    this.#stopped = false
    this.#running = this.#loop()
    return this
  }

  /**
   * Stops taking entries and waits for the handlers running now. Entries taken and not finished stay
   * pending and are claimed by another instance after `leaseMs`.
   */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#wake?.()
    await this.#running
    this.#running = undefined
  }

  /** Stops, and closes the connection if the queue created it. */
  async close(): Promise<void> {
    await this.stop()
    await this.#redis.close()
  }

  /** One round: takes up to `batchSize` entries and hands them over. Resolves with how many it took. */
  async drainOnce(): Promise<number> {
    const entries = await this.#take()
    if (entries.length === 0) return 0
    const statuses = entries.filter((e) => e.batch.kind === 'status')
    const replies = entries.filter((e) => e.batch.kind === 'reply')
    const runs: Promise<void>[] = []
    if (statuses.length > 0) {
      const reports = statuses.flatMap((e) => (e.batch.kind === 'status' ? e.batch.reports : []))
      runs.push(this.#handle(statuses, { kind: 'status', reports }))
    }
    for (const entry of replies) runs.push(this.#handle([entry], entry.batch))
    await Promise.all(runs)
    return entries.length
  }

  /** The oldest dead letters, up to `count`. */
  async deadLetters(count = 100): Promise<DeadLetter[]> {
    const items = (await this.#redis.run(QUEUE_DEAD_LIST, [this.#dead], [0, count - 1])) as string[]
    return items.map((text) => {
      const letter = JSON.parse(text) as DeadLetter & { batch: string }
      return { ...letter, batch: decodeQueuedReports(letter.batch) }
    })
  }

  async #loop(): Promise<void> {
    let errors = 0
    while (!this.#stopped) {
      let took = 0
      try {
        took = await this.drainOnce()
        errors = 0
      } catch (error) {
        errors++
        this.#options.onError?.(error)
      }
      if (this.#stopped) break
      const idle = this.#options.pollIntervalMs ?? 250
      const wait = errors > 0 ? Math.min(this.#leaseMs, idle * 2 ** Math.min(errors, 8)) : took > 0 ? 0 : idle
      if (wait > 0) await this.#sleep(wait)
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.#wake = done
    })
  }

  async #take(): Promise<Entry[]> {
    const [cursor, rows] = (await this.#redis.run(
      QUEUE_TAKE,
      [this.#stream],
      [this.#group, this.#consumer, this.#options.batchSize ?? 50, this.#leaseMs, this.#cursor],
    )) as [string, [string, string[], number | string][]]
    this.#cursor = String(cursor)
    return rows.map(([entryId, fields, deliveries]) => {
      const field = (name: string) => fields[fields.indexOf(name) + 1] ?? ''
      return {
        entryId: String(entryId),
        id: field('id'),
        batch: decodeQueuedReports(field('p')),
        deliveries: Number(deliveries),
      }
    })
  }

  async #handle(entries: Entry[], batch: QueuedReports): Promise<void> {
    try {
      await deliverReports(batch, this.#options)
    } catch (error) {
      await this.#failed(entries, batch.kind, error)
      return
    }
    await this.#redis
      .run(QUEUE_ACK, [this.#stream], [this.#group, ...entries.map((e) => e.entryId)])
      .catch((error) => {
        // Not acknowledged: the entries come back after the lease, handled again (at least once).
        this.#options.onError?.(error)
      })
  }

  async #failed(entries: Entry[], kind: QueuedReports['kind'], error: unknown): Promise<void> {
    const maxAttempts = this.#options.maxAttempts ?? 10
    const dead = entries.filter((e) => e.deliveries >= maxAttempts)
    const retry = entries.filter((e) => e.deliveries < maxAttempts)
    if (retry.length > 0) {
      const attempt = Math.max(...retry.map((e) => e.deliveries))
      emit(this.#options, { type: 'handler-failed', kind, ids: retry.map((e) => e.id), error, attempt })
      const delay = Math.min(this.#leaseMs, (this.#options.retryDelayMs ?? 1_000) * 2 ** (attempt - 1))
      await this.#redis
        .run(
          QUEUE_RETRY,
          [this.#stream],
          [this.#group, this.#consumer, this.#leaseMs - delay, ...retry.map((e) => e.entryId)],
        )
        .catch((e) => this.#options.onError?.(e)) // the entries come back after the lease instead
    }
    if (dead.length === 0) return
    const message = error instanceof Error ? error.message : String(error)
    const args: string[] = [this.#group]
    for (const e of dead) {
      const letter = {
        entryId: e.entryId,
        id: e.id,
        batch: encodeQueuedReports(e.batch),
        attempts: e.deliveries,
        error: message,
        at: new Date().toISOString(),
      }
      args.push(e.entryId, JSON.stringify(letter))
    }
    try {
      await this.#redis.run(QUEUE_DEAD, [this.#stream, this.#dead], args)
    } catch (storeError) {
      // Still pending: the entries come back after the lease and are dead-lettered then.
      this.#options.onError?.(storeError)
      return
    }
    for (const e of dead) {
      emit(this.#options, {
        type: 'dead-lettered',
        kind,
        ids: [e.id],
        error,
        attempts: e.deliveries,
        entryId: e.entryId,
      })
    }
  }
}

/** One record per entry: a status batch splits into single reports, a reply batch into single replies. */
function splitBatch(batch: QueuedReports): QueuedReports[] {
  return batch.kind === 'status'
    ? batch.reports.map((r) => ({ kind: 'status', reports: [r] }))
    : batch.replies.map((r) => ({ kind: 'reply', replies: [r] }))
}
