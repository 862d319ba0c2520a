import { YunpianReportError } from '../errors.js'
import { DEFAULT_DEDUPE_TTL_MS, DEFAULT_LEASE_MS, type DedupeStore } from './dedupe.js'
import { type PushBody, parseReplyPush, parseStatusPush, pushField } from './parse.js'
import type { QueuedReports, ReportQueue } from './queue.js'
import type { ReplyRecord, StatusReport } from './records.js'

type Kind = 'status' | 'reply'

/**
 * What happened to reports, for logs and metrics. Nothing is acknowledged to Yunpian that is not handled or
 * durably queued, so `handler-failed` and `enqueue-failed` mean Yunpian will push again; `dead-lettered`
 * (from a queue) and `page-lost` (from the poller) are the records the app must look at.
 */
export type ReportEvent =
  | { type: 'duplicate'; kind: Kind; ids: string[] }
  /** Another handler holds these right now; the push is answered for a retry. */
  | { type: 'in-flight'; kind: Kind; ids: string[] }
  /** The app's handler threw; the push was not acknowledged (or the queue will retry). */
  | { type: 'handler-failed'; kind: Kind; ids: string[]; error: unknown; attempt?: number }
  /** The queue could not store the push; it was not acknowledged. */
  | { type: 'enqueue-failed'; kind: Kind; ids: string[]; error: unknown }
  /** Handled, but marking them done failed: a retry within the dedupe window may be handled again. */
  | { type: 'complete-failed'; kind: Kind; ids: string[]; error: unknown }
  /** The queue gave up after its last try and moved the entry to its dead-letter list. */
  | { type: 'dead-lettered'; kind: Kind; ids: string[]; error: unknown; attempts: number; entryId: string }
  /** A `pull_status`/`pull_reply` answer was lost after Yunpian read the request: its records are gone. */
  | { type: 'page-lost'; kind: Kind; error: unknown }
  /** The reconciler found these final reports with `get_record` (no push or pull brought them). */
  | { type: 'reconciled'; kind: 'status'; ids: string[] }
  /** The reconciler gave up: Yunpian had no final status for these sends by `giveUpAfterMs`. */
  | { type: 'unresolved'; kind: 'status'; ids: string[] }

/** What `handlePush` takes. */
export interface PushHandlerOptions {
  /** Where records taken are remembered, so a re-sent push is handled once (`RedisDedupeStore` across instances). */
  dedupe: DedupeStore
  /** `(reports) => unknown`: delivery reports, each once. */
  onStatus?: ((reports: StatusReport[]) => unknown | Promise<unknown>) | undefined
  /** `(reply) => unknown`: replies to your SMS, each once (their signature checked with `apikey`). */
  onReply?: ((reply: ReplyRecord) => unknown | Promise<unknown>) | undefined
  /**
   * A durable queue (`RedisReportQueue`): pushes are acknowledged once stored there, and the queue runs the
   * handlers. Without one, a push is acknowledged only after `onStatus`/`onReply` finished.
   * @default none
   */
  queue?: ReportQueue | undefined
  /**
   * Your apikey, needed to check reply signatures.
   * @default none: a reply push is refused with a `YunpianReportError`, never taken unchecked
   */
  apikey?: string | undefined
  /**
   * How long a record counts as handled, in milliseconds.
   * @default 86400000 (a day)
   */
  dedupeTtlMs?: number | undefined
  /**
   * How long a claim lasts while its handler runs, in milliseconds.
   * @default 60000
   */
  leaseMs?: number | undefined
  /** `(event) => void`: duplicates, failed handlers, dead letters, for logs and metrics. */
  onEvent?: ((event: ReportEvent) => void) | undefined
}

export interface PushOutcome {
  /** What to answer Yunpian: `SUCCESS` (200) stops its retries; anything else asks for them. */
  acknowledge: boolean
  kind: Kind
  /** Records new to this receiver (duplicates left out). */
  fresh: number
}

/** Which push a body holds; throws `YunpianReportError` for neither. */
export function pushKind(body: PushBody): Kind {
  for (const [field, kind] of [
    ['sms_status', 'status'],
    ['sms_reply', 'reply'],
  ] as const) {
    try {
      pushField(body, field)
      return kind
    } catch {}
  }
  throw new YunpianReportError('The body is neither a status push (sms_status) nor a reply push (sms_reply)')
}

/**
 * Parses a push, claims its new records, hands them to the queue or the handler, and says what to answer
 * (acknowledge only what is handled or queued). Throws
 * `YunpianReportError` (answer 400) for a body that is not a valid push.
 */
export async function handlePush(body: PushBody, options: PushHandlerOptions): Promise<PushOutcome> {
  const kind = pushKind(body)
  if (kind === 'status') {
    const reports = parseStatusPush(body)
    return dispatch(
      kind,
      reports,
      (r) => `status:${r.sid}`,
      options,
      (fresh) => ({ kind, reports: fresh }),
    )
  }
  if (!options.apikey)
    throw new YunpianReportError('A reply push arrived, but no apikey is configured to check its signature')
  const reply = parseReplyPush(body, { apikey: options.apikey })
  return dispatch(
    kind,
    [reply],
    (r) => `reply:${r.id}`,
    options,
    (fresh) => ({ kind, replies: fresh }),
  )
}

async function dispatch<R>(
  kind: Kind,
  records: R[],
  idOf: (record: R) => string,
  options: PushHandlerOptions,
  toBatch: (fresh: R[]) => QueuedReports,
): Promise<PushOutcome> {
  const { dedupe } = options
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
  // One claim per distinct id: a push may repeat a record within itself.
  const byId = new Map<string, R>()
  for (const record of records) if (!byId.has(idOf(record))) byId.set(idOf(record), record)
  const ids = [...byId.keys()]
  const claims = await Promise.allSettled(ids.map((id) => dedupe.claim(id, leaseMs)))
  const held: { id: string; token: string }[] = []
  const duplicates: string[] = []
  const busy: string[] = []
  let storeError: unknown
  claims.forEach((claim, i) => {
    const id = ids[i]!
    if (claim.status === 'rejected') storeError ??= claim.reason
    else if (claim.value.state === 'claimed') held.push({ id, token: claim.value.token })
    else (claim.value.state === 'done' ? duplicates : busy).push(id)
  })
  const releaseAll = () =>
    Promise.all(held.map(({ id, token }) => dedupe.release(id, token).catch(() => undefined)))
  if (storeError !== undefined) {
    // A claim that timed out may still land in the store: it lapses after leaseMs, before Yunpian's retry.
    await releaseAll()
    throw storeError
  }
  if (duplicates.length > 0) emitReportEvent(options, { type: 'duplicate', kind, ids: duplicates })
  if (busy.length > 0) emitReportEvent(options, { type: 'in-flight', kind, ids: busy })
  if (held.length === 0) return { acknowledge: busy.length === 0, kind, fresh: 0 }

  const fresh = held.map(({ id }) => byId.get(id)!)
  const freshIds = held.map(({ id }) => id)
  const batch = toBatch(fresh)
  try {
    if (options.queue) await options.queue.enqueue(batch, freshIds)
    else await deliver(batch, options)
  } catch (error) {
    await releaseAll()
    emitReportEvent(options, {
      type: options.queue ? 'enqueue-failed' : 'handler-failed',
      kind,
      ids: freshIds,
      error,
    })
    return { acknowledge: false, kind, fresh: fresh.length }
  }
  const ttl = options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS
  const completed = await Promise.allSettled(freshIds.map((id) => dedupe.complete(id, ttl)))
  const failed = completed.find((c) => c.status === 'rejected')
  if (failed) emitReportEvent(options, { type: 'complete-failed', kind, ids: freshIds, error: failed.reason })
  return { acknowledge: busy.length === 0, kind, fresh: fresh.length }
}

async function deliver(batch: QueuedReports, options: PushHandlerOptions): Promise<void> {
  if (batch.kind === 'status') await options.onStatus?.(batch.reports)
  else for (const reply of batch.replies) await options.onReply?.(reply)
}

/** Calls `onEvent`; a listener that throws changes nothing. */
export function emitReportEvent(
  options: { onEvent?: ((event: ReportEvent) => void) | undefined },
  event: ReportEvent,
): void {
  try {
    options.onEvent?.(event)
  } catch {
    // A failing listener must not change the answer.
  }
}
