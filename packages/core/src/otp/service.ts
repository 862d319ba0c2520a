import { randomInt, randomUUID } from 'node:crypto'
import { MemoryBrakeStore } from '../brake/memory.js'
import type { YunpianClient } from '../client.js'
import {
  OtpCountryNotAllowedError,
  type OtpLimitScope,
  OtpRateLimitedError,
  OtpRiskRejectedError,
  YunpianApiError,
  YunpianOptionsError,
  YunpianTransportError,
  YunpianValidationError,
} from '../errors.js'
import { Recent } from '../internal/recent.js'
import { isTemporaryCode, RECIPIENT_LIMIT_CODES } from '../protocol/codes.js'
import type { StatusReport } from '../reports/records.js'
import { OtpTelemetry } from '../telemetry/otp.js'
import { MemoryThrottleStore } from '../throttling/memory.js'
import { refusalError } from '../throttling/refusal.js'
import { type ThrottleRule, type ThrottleStore, YUNPIAN_RULES } from '../throttling/types.js'
import { checkStringFields } from '../validation/fields.js'
import {
  type CountryCode,
  type NumberType,
  numberType,
  parseMobile,
  parseMobileNumber,
} from '../validation/mobile.js'
import { validateOptions } from '../validation/validate.js'
import { Brake, type OtpBrakes, type OtpCountryStats } from './brakes.js'
import { OTP_SEND_FIELDS, OTP_VERIFY_FIELDS } from './fields.js'
import { hmacSha256Hex } from './hmac.js'
import {
  DEFAULT_OTP_LIMITS,
  type OtpEvent,
  type OtpMessageContext,
  type OtpServiceOptions,
  otpOptionsSchema,
  otpTextProblem,
  PREFIX_DIGITS,
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
  /** The reader's language (BCP 47, e.g. `zh-CN`, `en`), handed to `message` and `template`. */
  locale?: string
  /**
   * `voice`: a call reads the code out (option `voice: true`; mainland China numbers only, as Yunpian's
   * voice codes). The same budgets as an SMS. Default `sms`.
   */
  channel?: 'sms' | 'voice'
}

export interface OtpSendResult {
  /** Seconds the code stays valid. */
  expiresIn: number
  /** Seconds before this number may ask again. */
  resendIn: number
  /** Sends left to this number before one of its rules refuses (the least any has left): for `RateLimit`. */
  remaining: number
  sid: string
}

export interface OtpVerifyRequest {
  mobile: string
  code: string
  purpose?: string
  /** Who asks, as in `send`: the key of the per-client failed-verify budget. */
  clientKey: string
}

/**
 * `ok: true` carries the number in canonical E.164, whatever form the request used: key accounts on it.
 * Wrong, expired, used-up and unknown codes all read `invalid`, so the answer tells nothing about which
 * numbers have codes. `rate_limited`: the caller's failed-verify budget is spent (the code was not checked).
 * `remaining`: failed verifies this client has left (the least any rule has left), for `RateLimit`.
 */
export type OtpVerifyResult =
  | { ok: true; mobile: string; remaining: number }
  | { ok: false; reason: 'invalid'; remaining: number }
  | { ok: false; reason: 'rate_limited'; retryAfterMs: number; rule: string; limit: number; windowMs: number }

export type { OtpCountryStats }

/** The send budgets in force, by scope. */
export type OtpLimits = Readonly<Record<keyof typeof DEFAULT_OTP_LIMITS, readonly ThrottleRule[]>>

interface Budget {
  scope: Exclude<OtpLimitScope, 'verify' | 'yunpian' | 'brake'>
  key: string
  rules: readonly ThrottleRule[]
  /** What the store said is left, once consumed. */
  remaining?: number
}

/** A number that passed the cheap checks. */
interface Recipient {
  e164: string
  country: CountryCode | undefined
  /** Country code and the first national digits, e.g. `44740`. */
  prefix: string
}

/**
 * Verification codes by SMS with the defences of `docs/security.md` built in: CSPRNG codes stored only as
 * HMACs, attempts counted before comparing, single use, send budgets per number, client, prefix, country and
 * in all, a per-client failed-verify budget, a country allow-list, mobile numbers only, fail-closed stores.
 * No defence keys on the number alone where a stranger could spend it: failures cost the caller's budget.
 */
export class OtpService {
  readonly #o: ResolvedOtpOptions
  readonly #client: YunpianClient
  readonly #throttle: ThrottleStore
  readonly #codes: OtpStore
  /** HMAC-SHA-256 keyed by the service's secret. */
  readonly #hmac: (message: string) => string
  readonly #limits: OtpLimits
  /** Fixed codes by E.164 (`testNumbers`). */
  readonly #testCodes = new Map<string, string>()
  readonly #brake: Brake
  /** The one clock of the service and its default memory stores. */
  readonly #now: () => number
  /** A client (an address) often asks again: its key's HMAC is remembered. */
  readonly #clientHashes = new Recent<string>(1024)
  /** The default number policy (mobile numbers only), checked with the cheaper mobile-only metadata. */
  readonly #mobileOnly: boolean
  readonly #telemetry = new OtpTelemetry()

  constructor(options: OtpServiceOptions) {
    this.#o = validateOptions('OtpService', otpOptionsSchema, options)
    this.#client = this.#o.client
    const now = this.#o.now ?? Date.now
    this.#now = now
    this.#throttle = this.#telemetry.timed(this.#o.throttle ?? new MemoryThrottleStore({ now }), 'throttle')
    this.#codes = this.#telemetry.timed(this.#o.codes ?? new MemoryOtpStore({ now }), 'codes')
    this.#brake = new Brake(
      this.#o.brake,
      this.#telemetry.timed(this.#o.brakeStore ?? new MemoryBrakeStore(), 'brake'),
      this.#o.countries,
      this.#o.ttlMs,
      now,
    )
    const types = this.#o.numberTypes
    this.#mobileOnly =
      types !== 'any' &&
      types.length === 2 &&
      types.includes('MOBILE') &&
      types.includes('FIXED_LINE_OR_MOBILE')
    this.#hmac = hmacSha256Hex(
      typeof this.#o.secret === 'string' ? Buffer.from(this.#o.secret) : this.#o.secret,
    )
    const limits = this.#o.limits
    this.#limits = Object.fromEntries(
      (Object.keys(DEFAULT_OTP_LIMITS) as (keyof OtpLimits)[]).map((scope) => [
        scope,
        limits[scope] ?? DEFAULT_OTP_LIMITS[scope],
      ]),
    ) as unknown as OtpLimits
    const warn = this.#o.warn ?? console.warn
    if (this.#o.countries === 'all') {
      warn(
        'yunpian-kit OtpService: countries is "all": codes go to every country, the widest door for SMS pumping. List the countries you serve.',
      )
    }
    const testNumbers = Object.entries(this.#o.testNumbers ?? {})
    for (const [mobile, code] of testNumbers) this.#testCodes.set(this.#testNumber(mobile, code), code)
    if (testNumbers.length > 0) {
      warn(
        `yunpian-kit OtpService: ${testNumbers.length} test number(s) verify with a fixed code and never get an SMS. Anyone who knows one signs in as it: give them no real account.`,
      )
    }
  }

  /** The throttle store this service decides with (adapters reuse it for route guards). */
  get throttle(): ThrottleStore {
    return this.#throttle
  }

  /** Every budget in force, by scope (the defaults where not set), for `RateLimit-Policy` headers and docs. */
  get limits(): OtpLimits {
    return this.#limits
  }

  /** The pumping brake's pauses, in every instance sharing its store: `list()` and `release(…)`. */
  get brakes(): OtpBrakes {
    return this.#brake.api
  }

  /** Sends a new code. Throws `OtpRateLimitedError`, `OtpCountryNotAllowedError` and the other `Otp…Error`s, `YunpianValidationError`, or a store / Yunpian error. */
  send(request: OtpSendRequest): Promise<OtpSendResult> {
    return this.#telemetry.run('send', () => this.#send(request))
  }

  async #send(request: OtpSendRequest): Promise<OtpSendResult> {
    const f = checkStringFields('otp.send', request, OTP_SEND_FIELDS)
    const r = {
      mobile: f.mobile!,
      clientKey: f.clientKey!,
      purpose: f.purpose ?? 'login',
      captchaToken: f.captchaToken,
      locale: f.locale,
      voice: f.channel === 'voice',
    }
    const { e164, country, prefix } = this.#recipient(r.mobile, 'otp.send')
    const countryName = country ?? 'unknown'
    if (r.voice) this.#checkVoice(country)

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
    // The caller's own budget first: a flood is refused there, before any shared key is touched.
    const numberBudget: Budget = {
      scope: 'number',
      key: `otp:send:number:${subject}`,
      rules: this.#limits.perNumber,
    }
    const budgets: Budget[] = [
      {
        scope: 'client',
        key: `otp:send:client:${this.#clientHash(r.clientKey)}`,
        rules: this.#limits.perClient,
      },
      numberBudget,
      { scope: 'prefix', key: `otp:send:prefix:${prefix}`, rules: this.#limits.perPrefix },
      { scope: 'country', key: `otp:send:country:${countryName}`, rules: this.#limits.perCountry },
      { scope: 'global', key: 'otp:send:global', rules: this.#limits.global },
    ]
    await this.#consumeAll(budgets, countryName, r.purpose)

    const testCode = this.#testCodes.get(e164)
    const uid = `otp-${randomUUID()}`
    const brakeSubject = { country: countryName, prefix, subject, now: this.#now() }
    // Test numbers never reach Yunpian: they are neither counted nor braked.
    if (testCode === undefined) await this.#checkBrake({ ...brakeSubject, uid }, budgets, r.purpose)
    const code = testCode ?? String(randomInt(0, 10 ** this.#o.codeLength)).padStart(this.#o.codeLength, '0')
    const codeKey = this.#codeKey(r.purpose, subject)
    try {
      await this.#codes.set(codeKey, {
        digest: this.#digest(r.purpose, e164, code),
        ttlMs: this.#o.ttlMs,
        attempts: this.#o.maxAttempts,
      })
    } catch (error) {
      await this.#refundQuietly(budgets)
      await this.#unsendQuietly({ ...brakeSubject, uid })
      throw error
    }
    const answer = (sid: string): OtpSendResult => ({
      expiresIn: Math.round(this.#o.ttlMs / 1000),
      resendIn: Math.ceil(cooldownMs(this.#limits.perNumber) / 1000),
      remaining: numberBudget.remaining ?? 0,
      sid,
    })
    if (testCode !== undefined) {
      const sid = `test-${randomUUID()}`
      this.#emit({ type: 'sent', mobile: e164, country: countryName, purpose: r.purpose, sid, test: true })
      return answer(sid)
    }

    const ttlMinutes = Math.ceil(this.#o.ttlMs / 60_000)
    try {
      const context = { code, ttlMinutes, purpose: r.purpose, country, locale: r.locale }
      const common = {
        mobile: e164.startsWith('+86') ? e164.slice(3) : e164,
        uid,
        ...(this.#o.callbackUrl ? { callbackUrl: this.#o.callbackUrl } : {}),
      }
      const template = typeof this.#o.template === 'function' ? this.#o.template(context) : this.#o.template
      // Voice reports differ from SMS status pushes: they are not sent to the SMS callbackUrl.
      const sent = r.voice
        ? await this.#client.voice.send({ mobile: common.mobile, code })
        : template
          ? await this.#client.sms.tplSingleSend({
              ...common,
              tplId: template.id,
              tplValue: {
                ...(typeof template.values === 'function' ? template.values(context) : template.values),
                code,
              },
            })
          : await this.#client.sms.singleSend({ ...common, text: this.#text(context) })
      // Voice codes have no SMS delivery report to reconcile.
      if (this.#o.reconciler && !r.voice) {
        await this.#o.reconciler
          .remember({ sid: sent.sid, mobile: common.mobile }, this.#now())
          .catch((error: unknown) => {
            ;(this.#o.warn ?? console.warn)(
              `yunpian-kit OtpService: sid ${sent.sid} was sent but not handed to the reconciler: ${(error as Error)?.message ?? error}`,
            )
          })
      }
      this.#emit({
        type: 'sent',
        mobile: e164,
        country: countryName,
        purpose: r.purpose,
        sid: sent.sid,
        test: false,
      })
      return answer(sent.sid)
    } catch (error) {
      // Yunpian's answer proves nothing was sent (an error code, or no byte written): the number's budget
      // comes back and the code that no one received is removed. Per-client and global budgets stay spent.
      // So does anything thrown before the request (a message or template function, the client's checks).
      const nothingSent = !(error instanceof YunpianTransportError) || !error.requestSent
      if (nothingSent) {
        await this.#refundQuietly([numberBudget])
        await this.#codes.delete(codeKey).catch(() => undefined)
        await this.#unsendQuietly({ ...brakeSubject, uid })
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
        // A temporary refusal ("system busy" and its kin) reaches HTTP clients as 503 with Retry-After.
        this.#emit({
          type: 'provider-error',
          country: countryName,
          purpose: r.purpose,
          error,
          temporary: isTemporaryCode(error.code),
        })
      }
      throw error
    }
  }

  /** Voice codes: enabled, and for a mainland China number (the only ones Yunpian's voice codes reach). */
  #checkVoice(country: CountryCode | undefined): void {
    const problem = !this.#o.voice
      ? 'voice is not enabled: give OtpService the option voice: true'
      : country !== 'CN'
        ? `voice codes reach mainland China numbers only; this one is ${country ?? 'of no known country'}`
        : undefined
    if (problem) {
      throw new YunpianValidationError('otp.send', [
        { field: 'channel', message: problem, received: JSON.stringify('voice') },
      ])
    }
  }

  /** The text for `context`; a message function that fails for it (say, a locale it lacks) is a `YunpianOptionsError`. */
  #text(context: OtpMessageContext): string {
    const text: unknown = this.#o.message?.(context)
    const problem = this.#o.message
      ? otpTextProblem(text, context.code)
      : 'is missing: the template function chose none'
    if (problem) {
      throw new YunpianOptionsError('OtpService', {
        option: 'message',
        allowed: `${problem} (country ${context.country ?? 'unknown'}, locale ${context.locale ?? 'none'}); nothing was sent`,
      })
    }
    return text as string
  }

  /**
   * Checks a code. The same cheap checks as `send` come first and touch no store. Then the caller's
   * failed-verify budget is spent before comparing (so concurrency cannot outrun it) and given back on
   * success; the code's own attempts are counted by the code store, which deletes it when they run out or
   * when it verifies. Nothing is ever counted against the number, which would let strangers lock it.
   */
  verify(request: OtpVerifyRequest): Promise<OtpVerifyResult> {
    return this.#telemetry.run(
      'verify',
      () => this.#verify(request),
      (r) => (r.ok ? 'verified' : r.reason),
    )
  }

  async #verify(request: OtpVerifyRequest): Promise<OtpVerifyResult> {
    const f = checkStringFields('otp.verify', request, OTP_VERIFY_FIELDS)
    const r = { mobile: f.mobile!, code: f.code!, purpose: f.purpose ?? 'login', clientKey: f.clientKey! }
    const { e164, country, prefix } = this.#recipient(r.mobile, 'otp.verify')
    const countryName = country ?? 'unknown'
    const test = this.#testCodes.has(e164)

    const budget = this.#limits.failedVerifiesPerClient
    const budgetKey = `otp:verify:client:${this.#clientHash(r.clientKey)}`
    // Failure state: the first to go when a bounded store is full.
    const decision = await this.#throttle.consume(budgetKey, budget, { shedFirst: true })
    if (!decision.allowed) {
      this.#emit({
        type: 'throttled',
        country: countryName,
        purpose: r.purpose,
        scope: 'verify',
        rule: decision.rule,
        retryAfterMs: decision.retryAfterMs,
      })
      const rule = budget.find((x) => x.name === decision.rule)
      return {
        ok: false,
        reason: 'rate_limited',
        retryAfterMs: decision.retryAfterMs,
        rule: decision.rule,
        limit: rule?.limit ?? 0,
        windowMs: rule?.windowMs ?? 0,
      }
    }
    const subject = this.#hash('subject', e164)
    let check: Awaited<ReturnType<OtpStore['verify']>>
    try {
      check = await this.#codes.verify(
        this.#codeKey(r.purpose, subject),
        this.#digest(r.purpose, e164, r.code),
      )
    } catch (error) {
      // The store failed, not the caller: no code was compared.
      await this.#throttle.refund(budgetKey, budget).catch(() => undefined)
      throw error
    }
    if (check === 'verified') {
      await this.#throttle.refund(budgetKey, budget).catch(() => undefined)
      if (!test) {
        // Counted in the bucket of the send it belongs to; a store that cannot count changes no answer.
        await this.#brake.store
          .verified({ country: countryName, prefix, subject, now: this.#now() }, this.#brake.policy)
          .catch(() => undefined)
      }
      this.#emit({ type: 'verified', mobile: e164, country: countryName, purpose: r.purpose, test })
      // The refund gave back this attempt's failure.
      return { ok: true, mobile: e164, remaining: decision.remaining + 1 }
    }
    // Wrong, used up (that was the last attempt) and unknown read the same: no answer tells which it was.
    this.#emit({ type: 'failed', country: countryName, purpose: r.purpose, test })
    await this.#watchFailures()
    return { ok: false, reason: 'invalid', remaining: decision.remaining }
  }

  /**
   * Failed verifies in all, counted only to raise `verify-failures-high` when they cross the alert level.
   * Never a refusal: a global verify budget would refuse everyone's right codes. Best effort.
   */
  async #watchFailures(): Promise<void> {
    const rules = this.#limits.failedVerifiesAlert
    try {
      const decision = await this.#throttle.consume('otp:verify:global', rules)
      if (decision.allowed && decision.remaining === 0) {
        const rule = rules.reduce((a, b) => (a.limit / a.windowMs <= b.limit / b.windowMs ? a : b))
        this.#emit({
          type: 'verify-failures-high',
          rule: rule.name,
          limit: rule.limit,
          windowMs: rule.windowMs,
        })
      }
    } catch {
      // A store that cannot count does not change a verify's answer.
    }
  }

  /**
   * Codes sent, verified, delivered and undelivered per country and prefix over the brake's window, read
   * from the brake's store: with a shared store, the figures of every instance.
   */
  stats(): Promise<Record<string, OtpCountryStats>> {
    return this.#brake.stats()
  }

  /**
   * Hands delivery reports to the brake (call it from your `onStatus`): codes reported undelivered are not
   * evidence of pumping. Reports of other messages than this service's codes are ignored.
   */
  async report(reports: readonly StatusReport[]): Promise<void> {
    await Promise.all(
      reports.map(async (report) => {
        if (!report.uid?.startsWith('otp-')) return
        let recipient: Recipient
        try {
          recipient = this.#recipient(report.mobile, 'otp.report')
        } catch {
          return
        }
        await this.#brake.store.status(
          {
            country: recipient.country ?? 'unknown',
            prefix: recipient.prefix,
            subject: this.#hash('subject', recipient.e164),
            uid: report.uid,
            delivered: report.delivered,
            now: this.#now(),
          },
          this.#brake.policy,
        )
      }),
    )
  }

  /**
   * The brake, after the budgets (a send they refuse leaves no brake state): one store step refuses a paused
   * prefix or country, trips a pause, or counts the send. A refusal gives back every budget but the
   * caller's own: a client hammering a paused prefix spends its budget, so it cannot make the store work
   * for free, while the number, prefix, country and global budgets stay whole for everyone else.
   */
  async #checkBrake(
    send: { country: string; prefix: string; subject: string; uid: string; now: number },
    budgets: Budget[],
    purpose: string,
  ): Promise<void> {
    let decision: Awaited<ReturnType<Brake['store']['send']>>
    try {
      decision = await this.#brake.store.send(
        { ...send, pinned: this.#brake.pinned(send.country, send.prefix) },
        this.#brake.policy,
      )
    } catch (error) {
      await this.#refundQuietly(budgets)
      throw error
    }
    if (decision.allowed) return
    await this.#refundQuietly(budgets.filter((b) => b.scope !== 'client'))
    const { brake } = decision
    if (decision.tripped) this.#emit({ type: 'brake', brake })
    const rule = `brake-${brake.scope}`
    const retryAfterMs = Math.max(0, brake.until - send.now)
    this.#emit({ type: 'throttled', country: send.country, purpose, scope: 'brake', rule, retryAfterMs })
    throw new OtpRateLimitedError({ scope: 'brake', rule, retryAfterMs })
  }

  /**
   * The cheap checks, from the number alone and before any store: a valid number, a served country, an
   * allowed type. A refusal here creates no state, and says nothing about codes.
   */
  #recipient(mobile: string, operation: string): Recipient {
    const refuse = (message: string) =>
      new YunpianValidationError(operation, [{ field: 'mobile', message, received: JSON.stringify(mobile) }])
    // The default policy (mobile numbers only) learns validity and type from the same parse.
    const parsed = this.#mobileOnly ? parseMobileNumber(mobile) : parseMobile(mobile, { type: true })
    if (!parsed.ok) throw refuse(parsed.message)
    const known = 'mobile' in parsed && parsed.mobile === true
    const type: NumberType = known ? 'MOBILE' : 'type' in parsed ? parsed.type : numberType(parsed.e164)
    // An invalid number is said to be invalid, before its (unknown) country could be blamed.
    if (type === undefined) {
      throw refuse('is not a valid phone number: no numbering plan assigns it; check the digits')
    }
    const { countries, numberTypes } = this.#o
    if (countries !== 'all' && (!parsed.country || !countries.includes(parsed.country))) {
      throw new OtpCountryNotAllowedError(parsed.country, countries)
    }
    if (numberTypes !== 'any' && !known && !numberTypes.includes(type)) {
      throw refuse(
        `must be a mobile number (${numberTypes.join(' or ')}); this one is ${type.toLowerCase().replaceAll('_', '-')}`,
      )
    }
    const national = parsed.e164.slice(1 + parsed.callingCode.length)
    return {
      e164: parsed.e164,
      country: parsed.country,
      prefix: `${parsed.callingCode}${national.slice(0, PREFIX_DIGITS)}`,
    }
  }

  /** A `testNumbers` entry, checked like a request's number: its E.164 form. */
  #testNumber(mobile: string, code: string): string {
    let e164: string
    try {
      e164 = this.#recipient(mobile, 'OtpService options').e164
    } catch (error) {
      throw new YunpianOptionsError('OtpService', {
        option: `testNumbers.${mobile}`,
        allowed: (error as Error).message,
      })
    }
    if (code.length !== this.#o.codeLength) {
      throw new YunpianOptionsError('OtpService', {
        option: `testNumbers.${mobile}`,
        allowed: `must be a code of codeLength (${this.#o.codeLength}) digits`,
      })
    }
    return e164
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
        this.#emit({
          type: 'throttled',
          country,
          purpose,
          scope: budget.scope,
          rule: decision.rule,
          retryAfterMs: decision.retryAfterMs,
        })
        throw refusalError(budget.scope, decision, budget.rules)
      }
      budget.remaining = decision.remaining
      taken.push(budget)
    }
  }

  /** A send the brake counted did not happen: it is taken back out (best effort; no-op for test numbers). */
  async #unsendQuietly(send: {
    country: string
    prefix: string
    subject: string
    uid: string
  }): Promise<void> {
    await this.#brake.store.unsend({ ...send, now: this.#now() }, this.#brake.policy).catch(() => undefined)
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

  #emit(event: OtpEvent): void {
    this.#telemetry.record(event)
    try {
      this.#o.onEvent?.(event)
    } catch {
      // A failing listener must not change the outcome of a send or verify.
    }
  }
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
