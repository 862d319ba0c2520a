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

const chinaTime = (field: string) =>
  optionalText.superRefine((value, ctx) => {
    if (value !== null && parseChinaTime(value) === undefined) {
      ctx.addIssue({ code: 'custom', message: `${field} must be "yyyy-MM-dd HH:mm:ss"` })
    }
  })

export const statusRecordSchema = z
  .object({
    sid: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String),
    uid: z
      .union([z.string(), z.number()])
      .nullable()
      .optional()
      .transform((v) => (v === undefined || v === null || v === '' ? null : String(v))),
    user_receive_time: chinaTime('user_receive_time'),
    error_msg: optionalText,
    error_detail: optionalText,
    mobile: z.string().min(1),
    report_status: z.enum(['SUCCESS', 'FAIL']),
  })
  .transform(
    (r): StatusReport => ({
      sid: r.sid,
      uid: r.uid,
      mobile: r.mobile,
      delivered: r.report_status === 'SUCCESS',
      reportStatus: r.report_status,
      receivedAt: r.user_receive_time === null ? null : (parseChinaTime(r.user_receive_time) ?? null),
      userReceiveTime: r.user_receive_time,
      errorCode: r.error_msg,
      errorDetail: r.error_detail,
    }),
  )

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
