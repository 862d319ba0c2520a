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

export const callbackUrlSchema = z
  .string({ error: 'must be an http(s) URL string' })
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
  callbackUrl: callbackUrlSchema.optional(),
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

export const tplSingleSendSchema = z.strictObject({
  mobile: mobileSchema,
  tplId: z
    .union(
      [
        z.number().int(TEMPLATE_ID_RULE).positive(TEMPLATE_ID_RULE),
        z.string().regex(/^[1-9]\d*$/, TEMPLATE_ID_RULE),
      ],
      { error: TEMPLATE_ID_RULE },
    )
    .transform(String),
  tplValue: z
    .record(
      z
        .string()
        .regex(
          /^#?[^#&=]{1,32}#?$/,
          'template variable names are 1 to 32 characters, without & = or inner #',
        ),
      z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(MAX_TEXT_LENGTH, 'is too long'),
      { error: 'must be an object of template variable names to string values' },
    )
    .default({}),
  ...optionalSendFields,
})
export type TplSingleSendRequest = z.input<typeof tplSingleSendSchema>

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
