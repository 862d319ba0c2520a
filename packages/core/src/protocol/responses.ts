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
 * `sms/get_black_word`. yunpian-java-sdk reads the v2 answer as a JSON array of words; the v1 answer
 * (and Yunpian's docs example) is `{"result":{"black_word":"a,b"}}`. Both are read.
 */
export const blackWordsSchema = z.union([
  z.array(z.string()),
  z
    .object({ result: z.object({ black_word: z.string().nullable().optional() }) })
    .transform((r) => (r.result.black_word ? r.result.black_word.split(',').filter(Boolean) : [])),
  z
    .object({ black_word: z.string().nullable().optional() })
    .transform((r) => (r.black_word ? r.black_word.split(',').filter(Boolean) : [])),
])

const money = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
])

/** `sms/get_total_fee` (documented by Yunpian; none of the official SDKs wraps it). */
export const totalFeeSchema = z
  .object({ total_count: z.number().int(), total_fee: money, unit: nullableString })
  .transform((r) => ({ totalCount: r.total_count, totalFee: r.total_fee, unit: r.unit }))
export type TotalFee = z.output<typeof totalFeeSchema>

/** Template ids are 64-bit; like sids they arrive as exact decimal strings (see json.ts). */
const templateId = z.union([z.string().regex(/^\d+$/), z.number().int()]).transform(String)

const templateObject = z
  .object({
    tpl_id: templateId,
    tpl_content: z.string(),
    check_status: z.string(),
    reason: nullableString,
    lang: nullableString,
    country_code: nullableString,
  })
  .transform((t) => ({
    id: t.tpl_id,
    content: t.tpl_content,
    /** `CHECKING`, `SUCCESS` or `FAIL`. */
    checkStatus: t.check_status,
    reason: t.reason,
    lang: t.lang,
    countryCode: t.country_code,
  }))
export type Template = z.output<typeof templateObject>

/**
 * A template answer, bare or wrapped in `{"template": …}`: yunpian-python-sdk and yunpian-java-sdk
 * unwrap `template` when present for `tpl/update`, and take the bare object otherwise.
 */
export const templateSchema = z.union([
  templateObject,
  z.object({ template: templateObject }).transform((r) => r.template),
])

/** `tpl/get` answers one object for a `tpl_id`, an array without one (yunpian-java-sdk reads both). */
export const templateListSchema = z.union([z.array(templateObject), templateSchema.transform((t) => [t])])

const flag = z
  .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
  .nullable()
  .optional()
  .transform((v) => v ?? null)

/** `sign/add` answers `{"sign": {...}}` (yunpian-python-sdk reads `rsp['sign']`). */
export const signApplicationSchema = z
  .object({
    sign: z.object({
      apply_state: nullableString,
      sign: z.string(),
      is_apply_vip: flag,
      is_only_global: flag,
      industry_type: nullableString,
    }),
  })
  .transform(({ sign: s }) => ({
    applyState: s.apply_state,
    sign: s.sign,
    isApplyVip: s.is_apply_vip,
    isOnlyGlobal: s.is_only_global,
    industryType: s.industry_type,
  }))
export type SignApplication = z.output<typeof signApplicationSchema>

const signRecord = z
  .object({
    sign: z.string(),
    check_status: nullableString,
    enabled: flag,
    extend: nullableString,
    only_global: flag,
    remark: nullableString,
    vip: flag,
    chan: nullableString,
  })
  .transform((s) => ({
    sign: s.sign,
    checkStatus: s.check_status,
    enabled: s.enabled,
    extend: s.extend,
    onlyGlobal: s.only_global,
    remark: s.remark,
    vip: s.vip,
    chan: s.chan,
  }))
export type SignRecord = z.output<typeof signRecord>

/** `sign/get` answers `{"total": n, "sign": [...]}` (yunpian-java-sdk SignRecord). */
export const signListSchema = z
  .object({
    total: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
    sign: z.array(signRecord),
  })
  .transform((r) => ({ total: r.total, signs: r.sign }))
export type SignList = z.output<typeof signListSchema>

/** `voice/send`: `sid` is a string at Yunpian (yunpian-java-sdk VoiceSend), `count` a number or string. */
export const voiceSendResultSchema = z
  .object({
    count: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
    fee: money,
    sid: z.union([z.string().min(1), z.number().int()]).transform(String),
  })
  .transform((r) => ({ count: r.count, fee: r.fee, sid: r.sid }))
export type VoiceSendResult = z.output<typeof voiceSendResultSchema>

/** One `voice/pull_status` record (yunpian-java-sdk VoiceStatus). */
export const voiceStatusSchema = z
  .object({
    sid: z.union([z.string().min(1), z.number().int()]).transform(String),
    uid: nullableString,
    user_receive_time: nullableString,
    duration: z
      .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
      .nullable()
      .optional()
      .transform((v) => v ?? null),
    error_msg: nullableString,
    mobile: z.string(),
    report_status: z.string(),
  })
  .transform((s) => ({
    sid: s.sid,
    uid: s.uid,
    mobile: s.mobile,
    /** `SUCCESS` when the call was answered. */
    reportStatus: s.report_status,
    delivered: s.report_status === 'SUCCESS',
    userReceiveTime: s.user_receive_time,
    /** Seconds the call lasted. */
    duration: s.duration,
    errorMsg: s.error_msg,
  }))
export type VoiceStatus = z.output<typeof voiceStatusSchema>

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
