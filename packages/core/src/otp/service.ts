import { randomInt, randomUUID } from 'node:crypto'
import type { YunpianClient } from '../client.js'
import { YunpianApiError, YunpianTransportError, YunpianValidationError } from '../errors.js'
import { Recent } from '../internal/recent.js'
import { RECIPIENT_LIMIT_CODES } from '../protocol/codes.js'
import { MemoryThrottleStore } from '../throttling/memory.js'
import { type ThrottleRule, type ThrottleStore, YUNPIAN_RULES } from '../throttling/types.js'
import { checkStringFields } from '../validation/fields.js'
import {
  type CountryCode,
  type NumberType,
  numberType,
  parseMobile,
  parseMobileNumber,
} from '../validation/mobile.js'
import { validate } from '../validation/validate.js'
import {
  OtpCountryNotAllowedError,
  type OtpLimitScope,
  OtpRateLimitedError,
  OtpRiskRejectedError,
} from './errors.js'
import { hmacSha256Hex } from './hmac.js'
import {
  DEFAULT_OTP_LIMITS,
  type OtpEvent,
  type OtpServiceOptions,
  otpOptionsSchema,
  type ResolvedOtpOptions,
} from './options.js'
import { MemoryOtpStore, type OtpStore } from './store.js'

export interface OtpSendRequest {
  mobile: string
  /** Who asks (an IP address, grouped by /64 for IPv6, or a session id): the per-client budget's key. */
  clientKey: string
  /** What the code is for (`login`, `reset-password`…); a code verifies only for its purpose. */
  purpose?: string
  /** Handed to `beforeSend`. */
  captchaToken?: string
}

export interface OtpSendResult {
  /** Seconds the code stays valid. */
  expiresIn: number
  /** Seconds before this number may ask again. */
  resendIn: number
  sid: string
}

export interface OtpVerifyRequest {
  mobile: string
  code: string
  purpose?: string
}

/** Wrong, expired and unknown all read `invalid`: the answer tells nothing about which numbers have codes. */
export type OtpVerifyResult =
  | { ok: true }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; retryAfterMs: number; rule: string; limit: number; windowMs: number }

export interface OtpCountryStats {
  sent: number
  verified: number
  /** verified / sent: a low ratio for a country is the signature of SMS pumping. */
  ratio: number
}

const PURPOSE = {
  required: false,
  max: 32,
  pattern: /^[a-z0-9][a-z0-9_.-]{0,31}$/i,
  message: 'must be 1 to 32 letters, digits, _ . or -',
}
const MOBILE = {
  required: true,
  max: 32,
  message: 'is required: the phone number in E.164, e.g. +447400123456',
}
const SEND_FIELDS = {
  mobile: MOBILE,
  clientKey: { required: true, max: 256, message: 'must be a non-empty string of at most 256 characters' },
  purpose: PURPOSE,
  captchaToken: { required: false, max: 4096, message: 'must be a string of at most 4096 characters' },
}
const VERIFY_FIELDS = {
  mobile: MOBILE,
  code: { required: true, max: 16, pattern: /^\d+$/, message: 'must be the digits of the code' },
  purpose: PURPOSE,
}

/** The send budgets in force, by scope. */
export type OtpLimits = Readonly<Record<keyof typeof DEFAULT_OTP_LIMITS, readonly ThrottleRule[]>>

interface Budget {
  scope: Exclude<OtpLimitScope, 'verify' | 'yunpian'>
  key: string
  rules: readonly ThrottleRule[]
}

/**
 * Verification codes by SMS with the defences of the security model (docs/security.md) built in: CSPRNG codes stored only as
 * HMACs, attempts counted before comparing, single use, send budgets per number, client, country and in
 * all, a country allow-list, mobile numbers only, and fail-closed stores.
 */
export class OtpService {
  readonly #o: ResolvedOtpOptions
  readonly #client: YunpianClient
  readonly #throttle: ThrottleStore
  readonly #codes: OtpStore
  /** HMAC-SHA-256 keyed by the service's secret. */
  readonly #hmac: (message: string) => string
  readonly #limits: OtpLimits
  readonly #verifyRules: readonly ThrottleRule[]
  readonly #stats = new Map<string, { sent: number; verified: number }>()
  /** A client (an address) often asks again: its key's HMAC is remembered. */
  readonly #clientHashes = new Recent<string>(1024)
  /** The default number policy (mobile numbers only), checked with the cheaper mobile-only metadata. */
  readonly #mobileOnly: boolean

  constructor(options: OtpServiceOptions) {
    this.#o = validate('OtpService options', otpOptionsSchema, options)
    this.#client = this.#o.client
    this.#throttle = this.#o.throttle ?? new MemoryThrottleStore()
    this.#codes = this.#o.codes ?? new MemoryOtpStore()
    const types = this.#o.numberTypes
    this.#mobileOnly =
      types !== 'any' &&
      types.length === 2 &&
      types.includes('MOBILE') &&
      types.includes('FIXED_LINE_OR_MOBILE')
    this.#hmac = hmacSha256Hex(
      typeof this.#o.secret === 'string' ? Buffer.from(this.#o.secret) : this.#o.secret,
    )
    this.#limits = {
      perNumber: this.#o.limits.perNumber ?? DEFAULT_OTP_LIMITS.perNumber,
      perClient: this.#o.limits.perClient ?? DEFAULT_OTP_LIMITS.perClient,
      perCountry: this.#o.limits.perCountry ?? DEFAULT_OTP_LIMITS.perCountry,
      global: this.#o.limits.global ?? DEFAULT_OTP_LIMITS.global,
    }
    // Failed verifies per number: the code's attempts within its lifetime, and a daily budget that a resend
    // does not reset. Counted before comparing, refunded on success.
    this.#verifyRules = [
      { name: 'verify-attempts', limit: this.#o.maxAttempts, windowMs: this.#o.ttlMs },
      { name: 'verify-failures-24h', limit: this.#o.maxFailuresPerDay, windowMs: 24 * 60 * 60_000 },
    ]
    if (this.#o.countries === 'all') {
      ;(this.#o.warn ?? console.warn)(
        'yunpian-kit OtpService: countries is "all": codes go to every country, the widest door for SMS pumping. List the countries you serve.',
      )
    }
  }

  /** The throttle store this service decides with (adapters reuse it for route guards). */
  get throttle(): ThrottleStore {
    return this.#throttle
  }

  /** The per-number rules, for `RateLimit-Policy` headers and UI countdowns. */
  get limits(): OtpLimits {
    return this.#limits
  }

  /** Sends a new code. Throws `OtpRateLimitedError`, `OtpCountryNotAllowedError` and the other `Otp…Error`s, `YunpianValidationError`, or a store / Yunpian error. */
  async send(request: OtpSendRequest): Promise<OtpSendResult> {
    const f = checkStringFields('otp.send', request, SEND_FIELDS)
    const r = {
      mobile: f.mobile!,
      clientKey: f.clientKey!,
      purpose: f.purpose ?? 'login',
      captchaToken: f.captchaToken,
    }
    const { e164, country } = this.#recipient(r.mobile, 'otp.send')
    const countryName = country ?? 'unknown'

    if (this.#o.beforeSend) {
      const allowed = await this.#o.beforeSend({
        mobile: e164,
        country,
        clientKey: r.clientKey,
        purpose: r.purpose,
        captchaToken: r.captchaToken,
      })
      if (allowed !== true)
        throw new OtpRiskRejectedError('The risk check refused to send a verification code')
    }

    const subject = this.#hash('subject', e164)
    const budgets: Budget[] = [
      { scope: 'number', key: `otp:send:number:${subject}`, rules: this.#limits.perNumber },
      {
        scope: 'client',
        key: `otp:send:client:${this.#clientHash(r.clientKey)}`,
        rules: this.#limits.perClient,
      },
      { scope: 'country', key: `otp:send:country:${countryName}`, rules: this.#limits.perCountry },
      { scope: 'global', key: 'otp:send:global', rules: this.#limits.global },
    ]
    await this.#consumeAll(budgets, countryName, r.purpose)
    const numberBudget = budgets[0]!

    const code = String(randomInt(0, 10 ** this.#o.codeLength)).padStart(this.#o.codeLength, '0')
    const codeKey = this.#codeKey(r.purpose, subject)
    try {
      await this.#codes.set(codeKey, {
        digest: this.#digest(r.purpose, e164, code),
        ttlMs: this.#o.ttlMs,
        attempts: this.#o.maxAttempts,
      })
    } catch (error) {
      await this.#refundQuietly(budgets)
      throw error
    }

    const ttlMinutes = Math.ceil(this.#o.ttlMs / 60_000)
    try {
      const sent = await this.#client.sms.singleSend({
        mobile: e164.startsWith('+86') ? e164.slice(3) : e164,
        text: this.#o.message({ code, ttlMinutes, purpose: r.purpose }),
        uid: `otp-${randomUUID()}`,
        ...(this.#o.callbackUrl ? { callbackUrl: this.#o.callbackUrl } : {}),
      })
      this.#count(countryName, 'sent')
      this.#emit({ type: 'sent', country: countryName, purpose: r.purpose, sid: sent.sid })
      return {
        expiresIn: Math.round(this.#o.ttlMs / 1000),
        resendIn: Math.ceil(cooldownMs(this.#limits.perNumber) / 1000),
        sid: sent.sid,
      }
    } catch (error) {
      // Yunpian's answer proves nothing was sent (an error code, or no byte written): the number's budget
      // comes back and the code that no one received is removed. Per-client and global budgets stay spent.
      const nothingSent =
        error instanceof YunpianApiError || (error instanceof YunpianTransportError && !error.requestSent)
      if (nothingSent) {
        await this.#refundQuietly([numberBudget])
        await this.#codes.delete(codeKey).catch(() => undefined)
      }
      if (error instanceof YunpianApiError) {
        const refusal = RECIPIENT_LIMIT_CODES.get(error.code)
        if (refusal) {
          this.#emit({
            type: 'throttled',
            country: countryName,
            purpose: r.purpose,
            scope: 'yunpian',
            ...refusal,
          })
          const rule = yunpianRule(refusal.rule)
          throw new OtpRateLimitedError({
            scope: 'yunpian',
            ...refusal,
            limit: rule?.limit,
            windowMs: rule?.windowMs,
            cause: error,
          })
        }
        this.#emit({ type: 'provider-error', country: countryName, purpose: r.purpose, error })
      }
      throw error
    }
  }

  /** Checks a code. Counts the attempt first; a right code is consumed, so it verifies once. */
  async verify(request: OtpVerifyRequest): Promise<OtpVerifyResult> {
    const f = checkStringFields('otp.verify', request, VERIFY_FIELDS)
    const r = { mobile: f.mobile!, code: f.code!, purpose: f.purpose ?? 'login' }
    const parsed = parseMobile(r.mobile)
    if (!parsed.ok) {
      throw new YunpianValidationError('otp.verify', [
        { field: 'mobile', message: parsed.message, received: JSON.stringify(r.mobile) },
      ])
    }
    const countryName = parsed.country ?? 'unknown'
    const subject = this.#hash('subject', parsed.e164)
    const attemptsKey = `otp:verify:number:${subject}`
    const decision = await this.#throttle.consume(attemptsKey, this.#verifyRules)
    if (!decision.allowed) {
      this.#emit({
        type: 'locked',
        country: countryName,
        purpose: r.purpose,
        retryAfterMs: decision.retryAfterMs,
      })
      const rule = this.#verifyRules.find((x) => x.name === decision.rule)
      return {
        ok: false,
        reason: 'locked',
        retryAfterMs: decision.retryAfterMs,
        rule: decision.rule,
        limit: rule?.limit ?? 0,
        windowMs: rule?.windowMs ?? 0,
      }
    }
    const check = await this.#codes.verify(
      this.#codeKey(r.purpose, subject),
      this.#digest(r.purpose, parsed.e164, r.code),
    )
    if (check === 'verified') {
      await this.#throttle.refund(attemptsKey, this.#verifyRules)
      this.#count(countryName, 'verified')
      this.#emit({ type: 'verified', country: countryName, purpose: r.purpose })
      return { ok: true }
    }
    this.#emit({ type: 'failed', country: countryName, purpose: r.purpose })
    return { ok: false, reason: 'invalid' }
  }

  /** Codes sent and verified per country since start: the verified/sent ratio exposes pumping. */
  stats(): Record<string, OtpCountryStats> {
    const out: Record<string, OtpCountryStats> = {}
    for (const [country, { sent, verified }] of this.#stats) {
      out[country] = { sent, verified, ratio: sent === 0 ? 0 : verified / sent }
    }
    return out
  }

  #recipient(mobile: string, operation: string): { e164: string; country: CountryCode | undefined } {
    // The default policy (mobile numbers only) learns the type from the same parse.
    const parsed = this.#mobileOnly ? parseMobileNumber(mobile) : parseMobile(mobile)
    if (!parsed.ok) {
      throw new YunpianValidationError(operation, [
        { field: 'mobile', message: parsed.message, received: JSON.stringify(mobile) },
      ])
    }
    const { countries, numberTypes } = this.#o
    if (countries !== 'all' && (!parsed.country || !countries.includes(parsed.country))) {
      throw new OtpCountryNotAllowedError(parsed.country, countries)
    }
    if (numberTypes !== 'any') {
      const allowed = this.#mobileOnly
        ? 'mobile' in parsed && parsed.mobile === true
        : isOneOf(parseMobile(parsed.e164, { type: true }).type, numberTypes)
      if (!allowed) {
        const type = numberType(parsed.e164)
        throw new YunpianValidationError(operation, [
          {
            field: 'mobile',
            message: `must be a mobile number (${numberTypes.join(' or ')}); this one is ${type ? type.toLowerCase().replaceAll('_', '-') : 'not a valid number'}`,
            received: JSON.stringify(mobile),
          },
        ])
      }
    }
    return { e164: parsed.e164, country: parsed.country }
  }

  /**
   * Each budget in turn; on a refusal the ones already taken are refunded, so a refused attempt consumes
   * nothing. Concurrent callers may see a budget held by an attempt about to be refunded: that errs toward
   * refusing, never toward admitting.
   */
  async #consumeAll(budgets: Budget[], country: string, purpose: string): Promise<void> {
    const taken: Budget[] = []
    for (const budget of budgets) {
      let decision: Awaited<ReturnType<ThrottleStore['consume']>>
      try {
        decision = await this.#throttle.consume(budget.key, budget.rules)
      } catch (error) {
        await this.#refundQuietly(taken)
        throw error
      }
      if (!decision.allowed) {
        await this.#refundQuietly(taken)
        const rule = budget.rules.find((r) => r.name === decision.rule)
        this.#emit({
          type: 'throttled',
          country,
          purpose,
          scope: budget.scope,
          rule: decision.rule,
          retryAfterMs: decision.retryAfterMs,
        })
        throw new OtpRateLimitedError({
          scope: budget.scope,
          rule: decision.rule,
          retryAfterMs: decision.retryAfterMs,
          limit: rule?.limit,
          windowMs: rule?.windowMs,
        })
      }
      taken.push(budget)
    }
  }

  async #refundQuietly(budgets: Budget[]): Promise<void> {
    await Promise.all(budgets.map((b) => this.#throttle.refund(b.key, b.rules).catch(() => undefined)))
  }

  #codeKey(purpose: string, subject: string): string {
    return `otp:code:${purpose}:${subject}`
  }

  /** Keys carry an HMAC of the number, never the number. */
  #hash(label: string, value: string): string {
    return this.#hmac(`${label}\0${value}`).slice(0, 32)
  }

  #clientHash(clientKey: string): string {
    return (
      this.#clientHashes.get(clientKey) ?? this.#clientHashes.set(clientKey, this.#hash('client', clientKey))
    )
  }

  /** The stored form of a code: bound to its purpose and number. */
  #digest(purpose: string, e164: string, code: string): string {
    return this.#hmac(`code\0${purpose}\0${e164}\0${code}`)
  }

  #count(country: string, field: 'sent' | 'verified'): void {
    const stats = this.#stats.get(country) ?? { sent: 0, verified: 0 }
    stats[field]++
    this.#stats.set(country, stats)
  }

  #emit(event: OtpEvent): void {
    try {
      this.#o.onEvent?.(event)
    } catch {
      // A failing listener must not change the outcome of a send or verify.
    }
  }
}

function isOneOf(type: NumberType, allowed: readonly NonNullable<NumberType>[]): boolean {
  return type !== undefined && allowed.includes(type)
}

/** An OtpService, also one from a second copy of this package (ESM beside CJS). */
export function isOtpService(value: unknown): value is OtpService {
  return (
    typeof (value as OtpService | undefined)?.send === 'function' &&
    typeof (value as OtpService).verify === 'function'
  )
}

/** Yunpian's own rule by the name `RECIPIENT_LIMIT_CODES` gives it, for its limit and window. */
function yunpianRule(name: string): ThrottleRule | undefined {
  return [...YUNPIAN_RULES.antiBombing, ...YUNPIAN_RULES.antiHarassment].find((r) => r.name === name)
}

/** How long the number waits between sends: the window of its strictest single-send rule. */
function cooldownMs(rules: readonly ThrottleRule[]): number {
  const oneAtATime = rules.filter((r) => r.limit === 1)
  return oneAtATime.length === 0 ? 0 : Math.max(...oneAtATime.map((r) => r.windowMs))
}
