import { z } from 'zod'
import { MOBILE_RULE, parseMobile } from './mobile.js'

/** Yunpian's text limit; counted in UTF-16 units, as Yunpian counts and bills. */
export const MAX_TEXT_LENGTH = 500
export const MAX_MOBILES_PER_CALL = 1000

export const mobileSchema = z
  .string({ error: `must be a string: ${MOBILE_RULE}` })
  .superRefine((value, ctx) => {
    const parsed = parseMobile(value)
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message })
  })

/** Mainland numbers only: international sending is one number per `singleSend` call. */
const mainlandMobileSchema = z
  .string({ error: `must be a string: ${MOBILE_RULE}` })
  .superRefine((value, ctx) => {
    const parsed = parseMobile(value)
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message })
    else if (parsed.international) {
      ctx.addIssue({
        code: 'custom',
        message: 'international numbers cannot be batch-sent: Yunpian takes them one per singleSend call',
      })
    }
  })

export function textProblem(text: string): string | undefined {
  if (text.length === 0) return 'must not be empty'
  if (!text.isWellFormed()) return 'is not well-formed UTF-16 (it holds a lone surrogate)'
  if (text.length > MAX_TEXT_LENGTH) {
    return `must be at most ${MAX_TEXT_LENGTH} characters (UTF-16 units, the signature included)`
  }
  return undefined
}

export const textSchema = z
  .string({ error: 'must be a string of 1 to 500 characters' })
  .superRefine((value, ctx) => {
    const problem = textProblem(value)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

/**
 * An absolute http:// or https:// URL with a host: the one check for every URL option and field (`baseUrl`,
 * `voiceBaseUrl`, `callbackUrl`).
 */
export const httpUrlSchema = z
  .string({ error: 'must be an absolute http:// or https:// URL string' })
  .refine((value) => /^https?:\/\/[^\s/?#]+/i.test(value) && URL.canParse(value), {
    message: 'must be an absolute http:// or https:// URL',
  })

const optionalSendFields = {
  uid: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    // yunpian-java-sdk and yunpian-python-sdk document uid as "最大长度不超过256的字符串".
    .max(256, 'must be at most 256 characters')
    .optional(),
  extend: z
    .string({ error: 'must be a string of digits' })
    .regex(/^\d{1,20}$/, 'must be 1 to 20 digits')
    .optional(),
  callbackUrl: httpUrlSchema.optional(),
}

export const singleSendSchema = z.strictObject({
  mobile: mobileSchema,
  text: textSchema,
  ...optionalSendFields,
  register: z.boolean({ error: 'must be a boolean' }).optional(),
  mobileStat: z.boolean({ error: 'must be a boolean' }).optional(),
})
export type SingleSendRequest = z.input<typeof singleSendSchema>

const mobileListSchema = z
  .array(mainlandMobileSchema, { error: 'must be an array of mobile numbers' })
  .min(1, 'must hold at least one number')
  .max(MAX_MOBILES_PER_CALL, `must hold at most ${MAX_MOBILES_PER_CALL} numbers`)

export const batchSendSchema = z.strictObject({
  mobile: mobileListSchema,
  text: textSchema,
  ...optionalSendFields,
  /** Yunpian's batch_send docs list `mobile_stat` (per-number short-link statistics). */
  mobileStat: z.boolean({ error: 'must be a boolean' }).optional(),
})
export type BatchSendRequest = z.input<typeof batchSendSchema>

export const multiSendSchema = z
  .strictObject({
    mobile: mobileListSchema,
    text: z
      .array(textSchema, { error: 'must be an array of texts, one per mobile' })
      .min(1, 'must hold at least one text'),
    ...optionalSendFields,
  })
  .superRefine((value, ctx) => {
    if (value.text.length !== value.mobile.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['text'],
        message: `must hold exactly one text per mobile (${value.mobile.length} mobiles, ${value.text.length} texts)`,
      })
    }
  })
export type MultiSendRequest = z.input<typeof multiSendSchema>

const TEMPLATE_ID_RULE = 'must be a positive integer template id (number or digit string)'

/** Yunpian's template ids are 64-bit: pass ids above 2^53 as strings. */
const templateIdSchema = z
  .union(
    [
      z.number().int(TEMPLATE_ID_RULE).positive(TEMPLATE_ID_RULE),
      z.string().regex(/^[1-9]\d{0,18}$/, TEMPLATE_ID_RULE),
    ],
    { error: TEMPLATE_ID_RULE },
  )
  .transform(String)

const tplValueSchema = z
  .record(
    z
      .string()
      .regex(/^#?[^#&=]{1,32}#?$/, 'template variable names are 1 to 32 characters, without & = or inner #'),
    z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(MAX_TEXT_LENGTH, 'is too long'),
    { error: 'must be an object of template variable names to string values' },
  )
  .default({})

export const tplSingleSendSchema = z.strictObject({
  mobile: mobileSchema,
  tplId: templateIdSchema,
  tplValue: tplValueSchema,
  ...optionalSendFields,
})
export type TplSingleSendRequest = z.input<typeof tplSingleSendSchema>

/** One template to up to 1000 mainland numbers (`sms/tpl_batch_send`). */
export const tplBatchSendSchema = z.strictObject({
  mobile: mobileListSchema,
  tplId: templateIdSchema,
  tplValue: tplValueSchema,
  ...optionalSendFields,
})
export type TplBatchSendRequest = z.input<typeof tplBatchSendSchema>

const pageSize = z
  .number({ error: 'must be an integer from 1 to 100' })
  .int('must be an integer from 1 to 100')
  .min(1, 'must be an integer from 1 to 100')
  .max(100, 'must be an integer from 1 to 100')

export const pullSchema = z.strictObject({ pageSize: pageSize.optional() }).default({})
export type PullRequest = z.input<typeof pullSchema>

const recordTime = z.union(
  [
    z.date().refine((d) => !Number.isNaN(d.getTime()), 'must be a valid Date'),
    z
      .string()
      .regex(
        /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/,
        'must be a Date or a "yyyy-MM-dd HH:mm:ss" string (China time)',
      ),
  ],
  { error: 'must be a Date or a "yyyy-MM-dd HH:mm:ss" string (China time)' },
)

export const getRecordSchema = z.strictObject({
  startTime: recordTime,
  endTime: recordTime,
  mobile: mobileSchema.optional(),
  pageNum: z.number().int('must be a positive integer').min(1, 'must be a positive integer').optional(),
  pageSize: pageSize.optional(),
  type: z.enum(['all', 'global'], { error: 'must be "all" or "global"' }).optional(),
})
export type GetRecordRequest = z.input<typeof getRecordSchema>

/**
 * `sms/get_reply`. The official SDKs refuse a call without `page_num` and `page_size`, so the client
 * always sends both (1 and 20 unless given).
 */
export const getReplySchema = z.strictObject({
  startTime: recordTime,
  endTime: recordTime,
  mobile: mobileSchema.optional(),
  pageNum: z.number().int('must be a positive integer').min(1, 'must be a positive integer').default(1),
  pageSize: pageSize.default(20),
})
export type GetReplyRequest = z.input<typeof getReplySchema>

export const getBlackWordSchema = z.strictObject({ text: textSchema })
export type GetBlackWordRequest = z.input<typeof getBlackWordSchema>

export const getTotalFeeSchema = z.strictObject({
  date: z.union(
    [
      z.date().refine((d) => !Number.isNaN(d.getTime()), 'must be a valid Date'),
      z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a Date or a "yyyy-MM-dd" string (China date)'),
    ],
    { error: 'must be a Date or a "yyyy-MM-dd" string (China date)' },
  ),
})
export type GetTotalFeeRequest = z.input<typeof getTotalFeeSchema>

export const userSetSchema = z
  .strictObject({
    emergencyContact: z.string({ error: 'must be a string' }).min(1).max(64).optional(),
    emergencyMobile: mobileSchema.optional(),
    alarmBalance: z
      .number({ error: 'must be a whole number of RMB' })
      .int('must be a whole number of RMB')
      .min(0, 'must not be negative')
      .optional(),
  })
  .refine((r) => Object.values(r).some((v) => v !== undefined), 'set at least one field')
export type UserSetRequest = z.input<typeof userSetSchema>

const TEMPLATE_LANGS = ['zh_cn', 'en', 'zh_tw', 'ko', 'ja'] as const
const templateContent = textSchema.refine(
  (text) => /^【[^【】]{1,20}】/.test(text),
  'must start with the signature in 【】, e.g. 【Acme】Your code is #code#',
)
const templateFields = {
  content: templateContent,
  /** 0 notify always (Yunpian's default), 1 only on rejection, 2 only on approval, 3 never. */
  notifyType: z
    .union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)], { error: 'must be 0, 1, 2 or 3' })
    .optional(),
  /** International templates: zh_cn, en, zh_tw, ko, ja. */
  lang: z.enum(TEMPLATE_LANGS, { error: `must be one of ${TEMPLATE_LANGS.join(', ')}` }).optional(),
}

export const tplAddSchema = z.strictObject(templateFields)
export type TplAddRequest = z.input<typeof tplAddSchema>

export const tplGetSchema = z.strictObject({ id: templateIdSchema.optional() }).default({})
export type TplGetRequest = z.input<typeof tplGetSchema>

export const tplUpdateSchema = z.strictObject({ id: templateIdSchema, ...templateFields })
export type TplUpdateRequest = z.input<typeof tplUpdateSchema>

export const tplDelSchema = z.strictObject({ id: templateIdSchema })
export type TplDelRequest = z.input<typeof tplDelSchema>

/** A signature as Yunpian stores it: the name without 【】 (given with them, they are removed). */
const signName = z
  .string({ error: 'must be a string' })
  .transform((s) => s.replace(/^【(.*)】$/, '$1'))
  .pipe(z.string().regex(/^[^【】]{2,20}$/, 'must be 2 to 20 characters, without 【 or 】'))

export const signAddSchema = z.strictObject({
  sign: signName,
  notify: z.boolean({ error: 'must be a boolean' }).optional(),
  applyVip: z.boolean({ error: 'must be a boolean' }).optional(),
  isOnlyGlobal: z.boolean({ error: 'must be a boolean' }).optional(),
  industryType: z.string({ error: 'must be a string' }).min(1).max(32).optional(),
})
export type SignAddRequest = z.input<typeof signAddSchema>

export const signGetSchema = z
  .strictObject({
    sign: signName.optional(),
    pageNum: z.number().int('must be a positive integer').min(1, 'must be a positive integer').optional(),
    pageSize: z.number().int('must be a positive integer').min(1, 'must be a positive integer').optional(),
  })
  .default({})
export type SignGetRequest = z.input<typeof signGetSchema>

/**
 * `voice/send`: "接收的手机号、固话（需加区号）" (the Java SDK's docs): a mainland mobile or a landline
 * with its area code. Yunpian documents no international voice codes.
 */
export const voiceSendSchema = z.strictObject({
  mobile: z
    .string({ error: 'must be a string: a mainland mobile (13800138000) or a landline with its area code' })
    .refine(
      (v) => /^1[3-9]\d{9}$/.test(v) || /^0\d{9,11}$/.test(v),
      'must be a mainland mobile (13800138000) or a landline with its area code (01088880000); voice codes reach no international numbers',
    ),
  code: z.string({ error: 'must be a string of 4 to 6 digits' }).regex(/^\d{4,6}$/, 'must be 4 to 6 digits'),
  callbackUrl: httpUrlSchema.optional(),
  /** The caller id to show; Yunpian must have registered it. */
  displayNum: z
    .string({ error: 'must be a string of digits' })
    .regex(/^\d{5,20}$/, 'must be 5 to 20 digits')
    .optional(),
})
export type VoiceSendRequest = z.input<typeof voiceSendSchema>

export const voicePullStatusSchema = z
  .strictObject({
    pageSize: pageSize.optional(),
    /** 1: voice codes (Yunpian's default), 2: voice notifications. */
    type: z
      .union([z.literal(1), z.literal(2)], { error: 'must be 1 (voice codes) or 2 (notifications)' })
      .optional(),
  })
  .default({})
export type VoicePullStatusRequest = z.input<typeof voicePullStatusSchema>
