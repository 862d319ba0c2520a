import { DEFAULT_DEDUPE_TTL_MS, type DedupeStore } from './dedupe.js'
import { type PushBody, parseReplyPush, parseStatusPush, pushField, YunpianReportError } from './parse.js'
import type { ReplyRecord, StatusReport } from './records.js'

export type ReportEvent =
  | { type: 'duplicate'; kind: 'status' | 'reply'; ids: string[] }
  | {
      type: 'handler-failed'
      kind: 'status' | 'reply'
      ids: string[]
      error: unknown
      /** True when the push was already acknowledged: Yunpian will not retry, the event is the record. */
      acknowledged: boolean
    }

export interface PushHandlerOptions {
  dedupe: DedupeStore
  onStatus?: (reports: StatusReport[]) => unknown | Promise<unknown>
  onReply?: (reply: ReplyRecord) => unknown | Promise<unknown>
  /** Needed to check reply signatures. */
  apikey?: string
  /**
   * How long to wait for the handler before answering. A handler that fails within it gets a non-SUCCESS
   * answer, so Yunpian pushes again; one that takes longer is acknowledged and runs on (default 3000 ms;
   * Yunpian's own push timeout is not published).
   */
  ackWithinMs?: number
  dedupeTtlMs?: number
  onEvent?: (event: ReportEvent) => void
}

export interface PushOutcome {
  /** What to answer Yunpian: `SUCCESS` (200) stops its retries; anything else asks for them. */
  acknowledge: boolean
  kind: 'status' | 'reply'
  /** Records new to this receiver (duplicates left out). */
  fresh: number
  /** Settles when the handler has finished (or failed, reported through `onEvent`). */
  settled: Promise<void>
}

/** Which push a body holds; throws `YunpianReportError` for neither. */
export function pushKind(body: PushBody): 'status' | 'reply' {
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
 * Parses a push, drops records already handled, runs the handler, and says what to answer. Throws
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
      (fresh) => options.onStatus?.(fresh),
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
    async ([fresh]) => {
      await options.onReply?.(fresh!)
    },
  )
}

async function dispatch<R>(
  kind: 'status' | 'reply',
  records: R[],
  idOf: (record: R) => string,
  options: PushHandlerOptions,
  handler: (fresh: R[]) => unknown,
): Promise<PushOutcome> {
  const ttl = options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS
  const fresh: R[] = []
  const duplicates: string[] = []
  // One claim per distinct id: a push may repeat a record within itself.
  const claimed = new Set<string>()
  for (const record of records) {
    const id = idOf(record)
    if (claimed.has(id) || (await options.dedupe.seen(id, ttl))) duplicates.push(id)
    else {
      claimed.add(id)
      fresh.push(record)
    }
  }
  if (duplicates.length > 0) emit(options, { type: 'duplicate', kind, ids: duplicates })
  if (fresh.length === 0) return { acknowledge: true, kind, fresh: 0, settled: Promise.resolve() }

  const ids = fresh.map(idOf)
  let acknowledged = false
  const release = async (error: unknown) => {
    await Promise.all(ids.map((id) => options.dedupe.forget(id).catch(() => undefined)))
    emit(options, { type: 'handler-failed', kind, ids, error, acknowledged })
  }
  const run = Promise.resolve()
    .then(() => handler(fresh))
    .then(
      () => 'done' as const,
      (error: unknown) => ({ error }),
    )
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), options.ackWithinMs ?? 3_000)
  })
  const first = await Promise.race([run, deadline])
  clearTimeout(timer)
  if (first === 'done') return { acknowledge: true, kind, fresh: fresh.length, settled: Promise.resolve() }
  if (first !== 'late') {
    await release(first.error)
    return { acknowledge: false, kind, fresh: fresh.length, settled: Promise.resolve() }
  }
  acknowledged = true
  const settled = run.then(async (outcome) => {
    if (outcome !== 'done') await release(outcome.error)
  })
  return { acknowledge: true, kind, fresh: fresh.length, settled }
}

function emit(options: PushHandlerOptions, event: ReportEvent): void {
  try {
    options.onEvent?.(event)
  } catch {
    // A failing listener must not change the answer.
  }
}
