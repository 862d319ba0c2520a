import type { ReplyRecord, StatusReport } from './records.js'

/** One push's new records, as a durable queue keeps them until the app's handler has taken them. */
export type QueuedReports =
  | { kind: 'status'; reports: StatusReport[] }
  | { kind: 'reply'; replies: ReplyRecord[] }

/**
 * A durable queue for pushed records (`RedisReportQueue` in `@yunpian-kit/redis`). With one, the webhook
 * answers `SUCCESS` as soon as `enqueue` resolves, and the queue hands the records to the app's handler at
 * least once, retrying and dead-lettering on its own.
 */
export interface ReportQueue {
  /**
   * Resolves once the records are stored durably. Must be idempotent per record id (`status:<sid>`,
   * `reply:<id>`): a push whose enqueue timed out (stored or not) comes again and must not be stored twice.
   */
  enqueue(batch: QueuedReports, ids: readonly string[]): Promise<void>
}

/** The app's handlers, as a queue consumer calls them. */
/** Who takes the reports a queue holds; `start()` needs at least one. */
export interface ReportHandlers {
  /** `(reports) => unknown`: delivery reports; a throw retries the batch. */
  onStatus?: ((reports: StatusReport[]) => unknown | Promise<unknown>) | undefined
  /** `(reply) => unknown`: replies to your SMS; a throw retries it. */
  onReply?: ((reply: ReplyRecord) => unknown | Promise<unknown>) | undefined
}

/** Hands a batch to the matching handler; a reply batch holds one reply per push. */
export async function deliverReports(batch: QueuedReports, handlers: ReportHandlers): Promise<void> {
  if (batch.kind === 'status') {
    if (!handlers.onStatus) throw new TypeError('A status report is queued, but no onStatus handler is set')
    await handlers.onStatus(batch.reports)
    return
  }
  if (!handlers.onReply) throw new TypeError('A reply is queued, but no onReply handler is set')
  for (const reply of batch.replies) await handlers.onReply(reply)
}

/** The text a queue stores for a batch (dates as ISO strings). */
export function encodeQueuedReports(batch: QueuedReports): string {
  return JSON.stringify(batch)
}

/** The batch `encodeQueuedReports` wrote, with its dates back. */
export function decodeQueuedReports(text: string): QueuedReports {
  const batch = JSON.parse(text) as QueuedReports
  if (batch.kind === 'status') {
    for (const r of batch.reports) r.receivedAt = r.receivedAt === null ? null : new Date(r.receivedAt)
  } else if (batch.kind === 'reply') {
    for (const r of batch.replies) r.repliedAt = new Date(r.repliedAt)
  } else throw new TypeError(`Not a queued report batch: kind ${String((batch as { kind?: unknown }).kind)}`)
  return batch
}

/** The dedupe id of each record in a batch. */
export function idsOf(batch: QueuedReports): string[] {
  return batch.kind === 'status'
    ? batch.reports.map((r) => `status:${r.sid}`)
    : batch.replies.map((r) => `reply:${r.id}`)
}
