import { getCountries } from 'libphonenumber-js/max'
import { z } from 'zod'
import type { ActiveBrake, BrakeStore } from '../brake/types.js'
import { isYunpianClient, type YunpianClient } from '../client.js'
import type { Expect, SameType } from '../internal/same-type.js'
import { enforces, type ThrottleRule, type ThrottleStore, YUNPIAN_RULES } from '../throttling/types.js'
import type { CountryCode, NumberType } from '../validation/mobile.js'
import { httpUrlSchema } from '../validation/requests.js'
import { brakeOptionsSchema, type OtpBrakeOptions } from './brakes.js'
import type { OtpStore } from './store.js'

/** What `reconciler` needs of a `Reconciler`: to be told of each send. */
export interface OtpSendWatcher {
  /** `sentAt`: the service's clock (`now`). */
  remember(sent: { sid: string; mobile: string }, sentAt?: number): Promise<void>
}

export interface OtpMessageContext {
  code: string
  ttlMinutes: number
  purpose: string
  /** The recipient's ISO country (`CN`, `GB`), to word or pick the message per country. */
  country: CountryCode | undefined
  /** `send({ locale })` as the app passed it (a BCP 47 tag such as `zh-CN` or `en`), if it did. */
  locale: string | undefined
}

/**
 * An approved Yunpian template (`tplSingleSend`): the service puts the code in its `#code#` variable;
 * `values` fills the others (`{ app: 'Acme' }`, or a function of the context for `#minutes#` and the like).
 */
export interface OtpTemplate {
  id: number | string
  values?: Record<string, string> | ((context: OtpMessageContext) => Record<string, string>)
}

export interface BeforeSendContext {
  /** E.164. */
  mobile: string
  country: CountryCode | undefined
  clientKey: string
  purpose: string
  captchaToken: string | undefined
}

/**
 * What the service did, for monitoring. `mobile` (E.164) is on successes only; `test` marks the app's
 * test numbers (`testNumbers`), which never reach Yunpian.
 */
export type OtpEvent =
  | { type: 'sent'; mobile: string; country: string; purpose: string; sid: string; test: boolean }
  | { type: 'throttled'; country: string; purpose: string; scope: string; rule: string; retryAfterMs: number }
  | { type: 'verified'; mobile: string; country: string; purpose: string; test: boolean }
  | { type: 'failed'; country: string; purpose: string; test: boolean }
  /**
   * Failed verifies across all clients passed `limits.failedVerifiesAlert` (once each time it is crossed).
   * A signal for a step-up check (CAPTCHA, tighter send budgets), never a refusal.
   */
  | { type: 'verify-failures-high'; rule: string; limit: number; windowMs: number }
  | { type: 'provider-error'; country: string; purpose: string; error: Error; temporary: boolean }
  /** A prefix or country was paused (`brake`): the matured figures that tripped it are in `brake.figures`. */
  | { type: 'brake'; brake: ActiveBrake }

const COUNTRIES = new Set<string>(getCountries())
const isFunction = (v: unknown) => typeof v === 'function'
const ruleSchema = z.strictObject({
  name: z.string().min(1, 'needs a name'),
  limit: z.number().int('must be a whole number').min(1, 'must be at least 1'),
  windowMs: z.number().int().min(1, 'must be a positive number of milliseconds'),
})
const rulesSchema = z.array(ruleSchema).min(1, 'must hold at least one rule')

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export { PREFIX_DIGITS } from './brakes.js'

/**
 * The default budgets; `docs/security.md` gives the reasoning for each. Send budgets are checked in one
 * atomic step before Yunpian is called. Failed verifies are counted per client before comparing and given
 * back on success; across all clients they only raise an event.
 */
export const DEFAULT_OTP_LIMITS = {
  perNumber: [
    { name: 'number-cooldown', limit: 1, windowMs: MINUTE },
    { name: 'number-1h', limit: 3, windowMs: HOUR },
    { name: 'number-24h', limit: 10, windowMs: DAY },
  ],
  perClient: [
    { name: 'client-1min', limit: 3, windowMs: MINUTE },
    { name: 'client-1h', limit: 20, windowMs: HOUR },
  ],
  perPrefix: [
    { name: 'prefix-1h', limit: 100, windowMs: HOUR },
    { name: 'prefix-24h', limit: 400, windowMs: DAY },
  ],
  perCountry: [
    { name: 'country-1h', limit: 500, windowMs: HOUR },
    { name: 'country-24h', limit: 2_000, windowMs: DAY },
  ],
  global: [
    { name: 'global-1h', limit: 2_000, windowMs: HOUR },
    { name: 'global-24h', limit: 10_000, windowMs: DAY },
  ],
  failedVerifiesPerClient: [
    { name: 'failed-verify-client-5min', limit: 10, windowMs: 5 * MINUTE },
    { name: 'failed-verify-client-1h', limit: 30, windowMs: HOUR },
  ],
  failedVerifiesAlert: [{ name: 'failed-verify-alert-1h', limit: 1_000, windowMs: HOUR }],
} satisfies Record<string, ThrottleRule[]>

export const otpOptionsSchema = z
  .strictObject({
    client: z.custom<YunpianClient>(isYunpianClient, 'must be a YunpianClient'),
    throttle: z
      .custom<ThrottleStore>((v) => isStore(v, ['consume', 'refund', 'reset']), 'must be a ThrottleStore')
      .optional(),
    codes: z
      .custom<OtpStore>((v) => isStore(v, ['set', 'verify', 'delete']), 'must be an OtpStore')
      .optional(),
    secret: z
      .union([z.string(), z.instanceof(Uint8Array)], {
        error: 'must be a string or Buffer of at least 32 bytes',
      })
      .refine(
        (s) => (typeof s === 'string' ? Buffer.byteLength(s) : s.byteLength) >= 32,
        'must be at least 32 bytes',
      ),
    message: z
      .custom<(context: OtpMessageContext) => string>(
        isFunction,
        'must be a function ({ code, ttlMinutes, country, locale }) => text',
      )
      .optional(),
    template: z
      .union([
        z.strictObject({
          id: z.union([z.number().int().positive(), z.string().regex(/^[1-9]\d{0,18}$/)], {
            error: 'must be the positive integer id of an approved template',
          }),
          values: z
            .union([
              z.record(z.string(), z.string()),
              z.custom<(context: OtpMessageContext) => Record<string, string>>(isFunction),
            ])
            .optional(),
        }),
        z.custom<(context: OtpMessageContext) => OtpTemplate | undefined>(isFunction),
      ])
      .optional(),
    countries: z.union(
      [
        z.literal('all'),
        z
          .array(
            z
              .string()
              .refine(
                (c) => COUNTRIES.has(c),
                'is not an ISO 3166 country code libphonenumber knows (e.g. "GB")',
              ),
          )
          .min(1, 'must list at least one country'),
      ],
      { error: 'is required: the ISO countries you serve, e.g. ["GB", "SG"], or "all"' },
    ),
    numberTypes: z
      .union([
        z.literal('any'),
        z
          .array(
            z.enum([
              'MOBILE',
              'FIXED_LINE_OR_MOBILE',
              'FIXED_LINE',
              'PAGER',
              'PERSONAL_NUMBER',
              'UAN',
              'VOICEMAIL',
              'VOIP',
              'TOLL_FREE',
              'PREMIUM_RATE',
              'SHARED_COST',
            ]),
          )
          .min(1),
      ])
      .default(['MOBILE', 'FIXED_LINE_OR_MOBILE']),
    codeLength: z
      .number()
      .int()
      .min(4, 'must be 4 to 10 digits')
      .max(10, 'must be 4 to 10 digits')
      .default(6),
    ttlMs: z
      .number()
      .int()
      .min(30_000, 'must be at least 30 seconds')
      .max(10 * MINUTE, 'must be at most 10 minutes (NIST SP 800-63B)')
      .default(5 * MINUTE),
    maxAttempts: z.number().int().min(1).max(10, 'must be 1 to 10').default(5),
    maxFailuresPerDay: z
      .undefined({
        error:
          'was removed: failures no longer lock a number (anyone could lock anyone out); a code dies after maxAttempts, and limits.failedVerifiesPerClient bounds each client',
      })
      .optional(),
    limits: z
      .strictObject({
        perNumber: rulesSchema
          .refine(
            (rules) => YUNPIAN_RULES.antiBombing.every((bound) => enforces(rules, bound)),
            'must be at least as strict as Yunpian’s own rule (1 per 30 s, 3 per hour, 10 per 24 h), or Yunpian will refuse sends you allowed',
          )
          .optional(),
        perClient: rulesSchema.optional(),
        perPrefix: rulesSchema.optional(),
        perCountry: rulesSchema.optional(),
        global: rulesSchema.optional(),
        failedVerifiesPerClient: rulesSchema.optional(),
        failedVerifiesAlert: rulesSchema.optional(),
      })
      .default({}),
    testNumbers: z
      .record(z.string(), z.string().regex(/^\d{4,10}$/, 'must be the fixed code: 4 to 10 digits'))
      .optional(),
    voice: z.boolean({ error: 'must be a boolean' }).default(false),
    callbackUrl: httpUrlSchema.optional(),
    beforeSend: z
      .custom<(context: BeforeSendContext) => boolean | Promise<boolean>>(isFunction, 'must be a function')
      .optional(),
    onEvent: z.custom<(event: OtpEvent) => void>(isFunction, 'must be a function').optional(),
    reconciler: z
      .custom<OtpSendWatcher>(
        (v) => typeof (v as OtpSendWatcher | undefined)?.remember === 'function',
        'must be a Reconciler (an object with remember(sent))',
      )
      .optional(),
    brake: brakeOptionsSchema.prefault({}),
    brakeStore: z
      .custom<BrakeStore>(
        (v) => isStore(v, ['send', 'unsend', 'verified', 'status', 'list', 'release', 'figures']),
        'must be a BrakeStore',
      )
      .optional(),
    now: z.custom<() => number>(isFunction, 'must be a function returning epoch milliseconds').optional(),
    warn: z.custom<(message: string) => void>(isFunction, 'must be a function').optional(),
  })
  .superRefine((o, ctx) => {
    if (o.voice && o.codeLength > 6) {
      ctx.addIssue({
        code: 'custom',
        path: ['codeLength'],
        message: 'must be 4 to 6 digits with voice: true (Yunpian reads out 4 to 6 digits)',
      })
    }
    if (o.message === undefined && o.template === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['message'],
        message: 'is required unless template is given: a function ({ code, ttlMinutes }) => text',
      })
      return
    }
    // Every country served is tried once at start-up, so a missing translation fails now, not at 3 a.m.
    const countries = o.countries === 'all' ? [undefined] : (o.countries as CountryCode[])
    const sample = '9'.repeat(o.codeLength)
    for (const country of countries) {
      const context: OtpMessageContext = {
        code: sample,
        ttlMinutes: Math.ceil(o.ttlMs / MINUTE),
        purpose: 'login',
        country,
        locale: undefined,
      }
      let chosen: unknown
      try {
        chosen = typeof o.template === 'function' ? o.template(context) : o.template
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['template'], message: `threw: ${(error as Error).message}` })
        return
      }
      if (chosen !== undefined) continue
      const problem = o.message ? messageProblem(o.message, context) : 'no template and no message'
      if (problem) {
        ctx.addIssue({
          code: 'custom',
          path: [o.message ? 'message' : 'template'],
          message: country ? `${problem} (for ${country})` : problem,
        })
        return
      }
    }
  })

/** What is wrong with the text `message` gives for `context`, if anything. */
function messageProblem(
  message: (context: OtpMessageContext) => string,
  context: OtpMessageContext,
): string | undefined {
  try {
    return otpTextProblem(message(context), context.code)
  } catch (error) {
    return `threw: ${(error as Error).message}`
  }
}

/** What is wrong with a verification text, if anything. */
export function otpTextProblem(text: unknown, code: string): string | undefined {
  if (typeof text !== 'string') return 'must return a string'
  if (!text.includes(code)) return 'must put the code in the text'
  if (!/^【[^【】]{1,20}】/.test(text)) return 'must start with your Yunpian signature in 【】, e.g. 【Acme】'
  if (text.length > 500) return 'must be at most 500 characters'
  return undefined
}

/** A libphonenumber number type (`MOBILE`, `FIXED_LINE_OR_MOBILE`, `VOIP`…). */
export type OtpNumberType = Exclude<NumberType, undefined>

/** Send budgets and failed-verify budgets by scope; a scope you leave out keeps its default. */
export interface OtpLimitsOptions {
  /**
   * Sends per number; must be at least as strict as Yunpian's own rule (1 per 30 s, 3 per hour, 10 per 24 h).
   * @default 1 per minute, 3 per hour, 10 per 24 h
   */
  perNumber?: ThrottleRule[] | undefined
  /**
   * Sends per client (`clientKey`).
   * @default 3 per minute, 20 per hour
   */
  perClient?: ThrottleRule[] | undefined
  /**
   * Sends per number prefix (country code and the first national digits).
   * @default 100 per hour, 400 per 24 h
   */
  perPrefix?: ThrottleRule[] | undefined
  /**
   * Sends per country.
   * @default 500 per hour, 2000 per 24 h
   */
  perCountry?: ThrottleRule[] | undefined
  /**
   * Sends in all.
   * @default 2000 per hour, 10000 per 24 h
   */
  global?: ThrottleRule[] | undefined
  /**
   * Failed verifies per client, counted before comparing and given back on success.
   * @default 10 per 5 minutes, 30 per hour
   */
  failedVerifiesPerClient?: ThrottleRule[] | undefined
  /**
   * Failed verifies across all clients that raise a `verify-failures-high` event (never a refusal).
   * @default 1000 per hour
   */
  failedVerifiesAlert?: ThrottleRule[] | undefined
}

/** What `new OtpService(options)` takes. Checked at construction; a bad value throws `YunpianValidationError`. */
export interface OtpServiceOptions {
  /** The `YunpianClient` that sends the codes. */
  client: YunpianClient
  /**
   * Where send and verify budgets are counted; use `RedisThrottleStore` with several instances.
   * @default a `MemoryThrottleStore` (one process only)
   */
  throttle?: ThrottleStore | undefined
  /**
   * Where codes live, only as HMACs; use `RedisOtpStore` with several instances.
   * @default a `MemoryOtpStore` (one process only)
   */
  codes?: OtpStore | undefined
  /** 32 bytes or more (e.g. `openssl rand -base64 32`); codes and client keys are stored only as HMACs under it. */
  secret: string | Uint8Array<ArrayBuffer>
  /**
   * `({ code, ttlMinutes, purpose, country, locale }) => text`, starting with your 【signature】; required
   * unless `template` is given. Tried once per country at start-up, so a missing translation fails then.
   */
  message?: ((context: OtpMessageContext) => string) | undefined
  /**
   * Send by approved template (`tplSingleSend`) instead: one, or a function choosing one per country and
   * locale, which may answer `undefined` to send that one by `message`.
   * @default none: every code is sent by `message`
   */
  template?: OtpTemplate | ((context: OtpMessageContext) => OtpTemplate | undefined) | undefined
  /** ISO 3166 countries you serve (`['GB', 'SG']`), or `'all'`; every other one is refused before any SMS. */
  countries: 'all' | string[]
  /**
   * Number types accepted (libphonenumber's), or `'any'`.
   * @default ['MOBILE', 'FIXED_LINE_OR_MOBILE']
   */
  numberTypes?: 'any' | OtpNumberType[] | undefined
  /**
   * Digits per code: 4 to 10 (4 to 6 with `voice: true`).
   * @default 6
   */
  codeLength?: number | undefined
  /**
   * How long a code is valid, in milliseconds: 30 s to 10 minutes.
   * @default 300000
   */
  ttlMs?: number | undefined
  /**
   * Wrong codes before a code is burnt (1 to 10); failures never lock the number.
   * @default 5
   */
  maxAttempts?: number | undefined
  /**
   * Removed: it locked a number for a day after failures anyone could cause; a code dies after
   * `maxAttempts`, and `limits.failedVerifiesPerClient` bounds each client.
   * @deprecated Remove it; the service refuses any value.
   */
  maxFailuresPerDay?: undefined
  /**
   * Rule lists by scope; the defaults and their reasons are in the security model.
   * @default `DEFAULT_OTP_LIMITS`
   */
  limits?: OtpLimitsOptions | undefined
  /**
   * `{ '+447400000001': '246810' }`: numbers that never get an SMS and verify with a fixed code (app-store
   * review, end-to-end tests); same checks and budgets, marked in events, a start-up warning.
   * @default none
   */
  testNumbers?: Record<string, string> | undefined
  /**
   * Whether `send({ channel: 'voice' })` may call mainland China numbers (codes of 4 to 6 digits).
   * @default false
   */
  voice?: boolean | undefined
  /**
   * Where Yunpian pushes each code's delivery report (`callback_url`): an absolute http(s) URL.
   * @default the console setting
   */
  callbackUrl?: string | undefined
  /** `(context) => boolean`: your CAPTCHA or risk check, before any budget is spent. */
  beforeSend?: ((context: BeforeSendContext) => boolean | Promise<boolean>) | undefined
  /** `sent`, `throttled`, `verified`, `failed`, `verify-failures-high`, `provider-error` and `brake` events. */
  onEvent?: ((event: OtpEvent) => void) | undefined
  /**
   * A `Reconciler` told of every code sent by SMS, so its final status reaches your `onStatus` even when no
   * push or pull brings it. A failure to remember never fails the send: it goes to `warn`.
   * @default none: sends are not watched
   */
  reconciler?: OtpSendWatcher | undefined
  /**
   * The pumping brake: pauses sends to a prefix, or at higher volume a country, whose matured codes are
   * rarely verified. `false` counts (for `stats()`) but never pauses.
   * @default on, with `DEFAULT_BRAKE`
   */
  brake?: OtpBrakeOptions | false | undefined
  /**
   * Where the brake counts and pauses, shared by every instance.
   * @default a `MemoryBrakeStore` (one process only)
   */
  brakeStore?: BrakeStore | undefined
  /**
   * The clock (epoch milliseconds) the service and its default memory stores read, so tests can move time
   * (`now: fake.now` with the fake of `@yunpian-kit/testing`, moved by `fake.advance(ms)`).
   * @default Date.now
   */
  now?: (() => number) | undefined
  /**
   * Where start-up warnings (`countries: 'all'`, `testNumbers`) go.
   * @default console.warn
   */
  warn?: ((message: string) => void) | undefined
}

// The interface is what editors show; the schema checks at run time. This fails to compile when they differ.
type _OtpOptionsMatchSchema = Expect<SameType<OtpServiceOptions, z.input<typeof otpOptionsSchema>>>
export type ResolvedOtpOptions = z.output<typeof otpOptionsSchema>
export type { NumberType }

function isStore(value: unknown, methods: string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function')
  )
}
