import { z } from 'zod'
import { parseChinaTime } from '../protocol/time.js'

/** A delivery report, whichever way it arrived (push or `pullStatus`). */
export interface StatusReport {
  /** Yunpian's 64-bit message id, exact, as a decimal string. */
  sid: string
  /** Your own id given at send time, if any. */
  uid: string | null
  mobile: string
  /** `report_status === 'SUCCESS'`: the one field to decide on. */
  delivered: boolean
  reportStatus: 'SUCCESS' | 'FAIL'
  /** When the handset received it (or the carrier gave up); `null` when Yunpian sent no time. */
  receivedAt: Date | null
  /** `user_receive_time` as Yunpian wrote it (China time). */
  userReceiveTime: string | null
  /** The carrier's code (`DELIVRD`, `DB:0103`, `YP:54`), or `null`. */
  errorCode: string | null
  errorDetail: string | null
}

/** An inbound SMS (a reply to one of yours), whichever way it arrived. */
export interface ReplyRecord {
  id: string
  mobile: string
  text: string
  replyTime: string
  repliedAt: Date
  extend: string | null
  baseExtend: string | null
}

const optionalText = z
  .string()
  .nullable()
  .optional()
  .transform((v) => (v === undefined || v === null || v === '' ? null : v))

/**
 * One status record, checked by hand: this runs 100 times per push and per pull page, where a schema
 * library costs several times the JSON parse. Returns the report, or what is wrong with the record.
 */
export function toStatusReport(record: unknown): StatusReport | string {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return 'must be an object'
  const r = record as Record<string, unknown>
  const sid = r.sid
  let sidText: string
  if (typeof sid === 'string' && /^\d+$/.test(sid)) sidText = sid
  else if (typeof sid === 'number' && Number.isSafeInteger(sid) && sid >= 0) sidText = String(sid)
  else return 'sid: must be a non-negative integer'
  const status = r.report_status
  if (status !== 'SUCCESS' && status !== 'FAIL') return 'report_status: must be "SUCCESS" or "FAIL"'
  if (typeof r.mobile !== 'string' || r.mobile === '') return 'mobile: must be a non-empty string'
  const uid = optionalString(r.uid, true)
  const time = optionalString(r.user_receive_time)
  const errorCode = optionalString(r.error_msg)
  const errorDetail = optionalString(r.error_detail)
  if (uid === undefined) return 'uid: must be a string, a number or null'
  if (time === undefined) return 'user_receive_time: must be a string or null'
  if (errorCode === undefined) return 'error_msg: must be a string or null'
  if (errorDetail === undefined) return 'error_detail: must be a string or null'
  let receivedAt: Date | null = null
  if (time !== null) {
    const parsed = parseChinaTime(time)
    if (!parsed) return 'user_receive_time: must be "yyyy-MM-dd HH:mm:ss"'
    receivedAt = parsed
  }
  return {
    sid: sidText,
    uid,
    mobile: r.mobile,
    delivered: status === 'SUCCESS',
    reportStatus: status,
    receivedAt,
    userReceiveTime: time,
    errorCode,
    errorDetail,
  }
}

/** `null` for absent, null or empty; `undefined` for a value of the wrong type. */
function optionalString(value: unknown, numbersToo = false): string | null | undefined {
  if (value === undefined || value === null || value === '') return null
  if (typeof value === 'string') return value
  if (numbersToo && typeof value === 'number') return String(value)
  return undefined
}

export const replyRecordSchema = z
  .object({
    id: z.union([z.string().min(1), z.number().int()]).transform(String),
    mobile: z.string().min(1),
    text: z.string(),
    reply_time: z
      .string()
      .refine((v) => parseChinaTime(v) !== undefined, 'reply_time must be "yyyy-MM-dd HH:mm:ss"'),
    extend: optionalText,
    base_extend: optionalText,
  })
  .transform(
    (r): ReplyRecord => ({
      id: r.id,
      mobile: r.mobile,
      text: r.text,
      replyTime: r.reply_time,
      repliedAt: parseChinaTime(r.reply_time)!,
      extend: r.extend,
      baseExtend: r.base_extend,
    }),
  )
