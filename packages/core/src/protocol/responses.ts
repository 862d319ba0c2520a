import { z } from 'zod'

/** Success bodies as Yunpian sends them; `sid` is already a decimal string (see json.ts). */
const sid = z.union([z.string().regex(/^-?\d+$/), z.number().int()]).transform(String)

export const sendResultSchema = z.object({
  code: z.literal(0),
  msg: z.string(),
  count: z.number().int(),
  fee: z.number(),
  unit: z.string(),
  mobile: z.string(),
  sid,
})
export type SendResult = z.output<typeof sendResultSchema>

/** One entry of a batch: accepted (code 0, with sid) or refused for that number. */
const batchEntrySchema = z
  .object({
    code: z.number().int(),
    msg: z.string().nullable().optional(),
    count: z.number().int().optional(),
    fee: z.number().optional(),
    unit: z.string().optional(),
    mobile: z.string(),
    sid: sid.optional(),
  })
  .transform((e) => ({
    code: e.code,
    msg: e.msg ?? null,
    count: e.count ?? 0,
    fee: e.fee ?? 0,
    unit: e.unit ?? '',
    mobile: e.mobile,
    sid: e.sid,
  }))
export type BatchSendEntry = z.output<typeof batchEntrySchema>

export const batchResultSchema = z
  .object({
    total_count: z.number().int(),
    total_fee: z.union([
      z.number(),
      z
        .string()
        .regex(/^-?\d+(\.\d+)?$/)
        .transform(Number),
    ]),
    unit: z.string(),
    data: z.array(batchEntrySchema),
  })
  .transform((r) => ({ totalCount: r.total_count, totalFee: r.total_fee, unit: r.unit, data: r.data }))
export type BatchSendResult = z.output<typeof batchResultSchema>

const nullableString = z
  .string()
  .nullable()
  .optional()
  .transform((v) => v ?? null)

export const accountSchema = z
  .object({
    nick: nullableString,
    gmt_created: nullableString,
    mobile: nullableString,
    email: nullableString,
    ip_whitelist: nullableString,
    api_version: nullableString,
    alarm_balance: z.number().nullable().optional(),
    emergency_contact: nullableString,
    emergency_mobile: nullableString,
    balance: z.number(),
  })
  .transform((a) => ({
    nick: a.nick,
    gmtCreated: a.gmt_created,
    mobile: a.mobile,
    email: a.email,
    ipWhitelist: a.ip_whitelist,
    apiVersion: a.api_version,
    alarmBalance: a.alarm_balance ?? null,
    emergencyContact: a.emergency_contact,
    emergencyMobile: a.emergency_mobile,
    balance: a.balance,
  }))
export type Account = z.output<typeof accountSchema>

export const sendRecordSchema = z
  .object({
    sid,
    mobile: z.string(),
    send_time: nullableString,
    text: z.string(),
    send_status: nullableString,
    report_status: nullableString,
    fee: z.number(),
    user_receive_time: nullableString,
    error_msg: nullableString,
    uid: nullableString,
  })
  .transform((r) => ({
    sid: r.sid,
    mobile: r.mobile,
    sendTime: r.send_time,
    text: r.text,
    sendStatus: r.send_status,
    reportStatus: r.report_status,
    count: r.fee,
    userReceiveTime: r.user_receive_time,
    errorMsg: r.error_msg,
    uid: r.uid,
  }))
export type SendRecord = z.output<typeof sendRecordSchema>

/**
 * Yunpian's failure envelope (HTTP 400). `msg` may be null (code 33). A `code` written as a string
 * (`"code":"33"`) is read as the number, as yunpian-java-sdk (`Double.parseDouble`), yunpian-python-sdk
 * (`int(rsp['code'])`) and yunpian-php-sdk read it; only yunpian-go-sdk would fail on it.
 */
export const errorEnvelopeSchema = z.object({
  http_status_code: z.union([z.number().int(), z.string()]).optional(),
  code: z.union([
    z.number().int(),
    z
      .string()
      .regex(/^\s*-?\d+\s*$/)
      .transform(Number),
  ]),
  msg: z.string().nullable().optional(),
  detail: z.string().nullable().optional(),
})
