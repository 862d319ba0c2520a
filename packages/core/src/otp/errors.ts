import { YunpianError } from '../errors.js'

/** Which budget refused a send or verify. */
export type OtpLimitScope =
  | 'number'
  | 'client'
  | 'prefix'
  | 'country'
  | 'global'
  | 'verify'
  | 'yunpian'
  /** The pumping brake paused sends to this number's prefix or country (`otp.brakes`). */
  | 'brake'

/** A send or verify budget is used up: ours, or Yunpian's own per-recipient rule (codes 8, 9, 17, 22, 33, 43, 53). */
export class OtpRateLimitedError extends YunpianError {
  override name = 'OtpRateLimitedError'
  readonly rule: string
  readonly scope: OtpLimitScope
  readonly retryAfterMs: number
  /** The refusing rule's limit and window, when known (Yunpian does not publish code 53's). */
  readonly limit: number | undefined
  readonly windowMs: number | undefined

  constructor(init: {
    rule: string
    scope: OtpLimitScope
    retryAfterMs: number
    limit?: number | undefined
    windowMs?: number | undefined
    cause?: unknown
  }) {
    super(
      `Verification code limit reached (${init.scope} rule ${init.rule}); retry in ${Math.ceil(init.retryAfterMs / 1000)} s`,
      init.cause === undefined ? undefined : { cause: init.cause },
    )
    this.rule = init.rule
    this.scope = init.scope
    this.retryAfterMs = init.retryAfterMs
    this.limit = init.limit
    this.windowMs = init.windowMs
  }
}

/** The number's country is not in the service's `countries` allow-list. */
export class OtpCountryNotAllowedError extends YunpianError {
  override name = 'OtpCountryNotAllowedError'
  readonly country: string | undefined

  constructor(country: string | undefined, allowed: readonly string[]) {
    super(
      `Verification codes are not sent to ${country ?? 'numbers of an unknown country'}; allowed countries: ${allowed.join(', ')}`,
    )
    this.country = country
  }
}

/** The app's `beforeSend` check (CAPTCHA, risk score) refused the send. */
export class OtpRiskRejectedError extends YunpianError {
  override name = 'OtpRiskRejectedError'
}
