// Every error class the toolkit throws, in one module: the client's, the options', the stores', the
// verification codes' and the delivery reports'. Each is exported from the package root.
import { isSecretField, render, renderRedacted } from './internal/render.js'
import { explainCode, kindOfCode, type YunpianErrorKind } from './protocol/codes.js'

export type { YunpianErrorKind }

/** Base of every error this toolkit throws on purpose. `instanceof YunpianError` catches them all. */
export class YunpianError extends Error {
  override name = 'YunpianError'
}

export interface ValidationIssue {
  /** The request field, as the caller named it (`mobile`, `tplValue.code`, `mobile[3]`). */
  field: string
  /** What is allowed. */
  message: string
  /** A short, safe rendering of what was given (never for secrets). */
  received?: string
}

/** The request was refused before any I/O: nothing was sent. */
export class YunpianValidationError extends YunpianError {
  override name = 'YunpianValidationError'
  readonly issues: readonly ValidationIssue[]
  readonly operation: string

  /** `message`: a summary to use instead of the issue list (e.g. "YunpianClient needs { apikey }"). */
  constructor(operation: string, issues: readonly ValidationIssue[], message?: string) {
    super(
      message ??
        `Invalid ${operation}${operation.endsWith('options') ? '' : ' request, nothing was sent'}: ${issues
          .map((i) => `${i.field}: ${i.received === undefined ? '' : `got ${i.received}; `}${i.message}`)
          .join('; ')}`,
    )
    this.operation = operation
    this.issues = issues
  }
}

/** One thing wrong with an option: which, what is allowed, and what was given. */
export interface OptionProblem {
  /** The option as the caller wrote it: `timeoutMs`, `clientKey`, `webhook.secret`, `routes.onVerified`. */
  option: string
  /** What is allowed, as a phrase: `must be a function`, `must be a positive number`. */
  allowed: string
  /**
   * What was given; leave the key out when there is nothing to show. Secrets (an `apikey` or `secret`
   * option) are shown as their type and length only.
   */
  received?: unknown
}

/**
 * Options that cannot work: thrown by constructors and factories (`new YunpianClient()`, `new OtpService()`,
 * the adapters' routers and plugins, the Redis stores) before anything runs. `option` names the first bad
 * option; `issues` lists each with what it got (secrets redacted) and what is allowed. It is a
 * `YunpianValidationError`, as core's bad options always were, so existing `instanceof` checks keep working;
 * `instanceof YunpianOptionsError` tells it from a bad request.
 */
export class YunpianOptionsError extends YunpianValidationError {
  override name = 'YunpianOptionsError'
  /** What took the options: `YunpianClient`, `@yunpian-kit/express otpRouter()`, `@yunpian-kit/redis`. */
  readonly owner: string
  /** The first bad option, as the caller wrote it. */
  readonly option: string

  /** `message`: a summary to use instead of the issue list (e.g. "YunpianClient needs { apikey }"). */
  constructor(owner: string, problems: OptionProblem | readonly OptionProblem[], message?: string) {
    const list: readonly OptionProblem[] = Array.isArray(problems) ? problems : [problems as OptionProblem]
    const issues = list.map((p): ValidationIssue => {
      if (!('received' in p)) return { field: p.option, message: p.allowed }
      const received = isSecretField(p.option) ? renderRedacted(p.received) : render(p.received)
      return { field: p.option, message: p.allowed, received }
    })
    super(`${owner} options`, issues, message)
    this.owner = owner
    this.option = list[0]?.option ?? '(options)'
  }
}

/** Yunpian answered with its error envelope (HTTP 400, `{ http_status_code, code, msg, detail }`). */
export class YunpianApiError extends YunpianError {
  override name = 'YunpianApiError'
  readonly code: number
  /** Yunpian's short message; `null` for some codes (33). */
  readonly msg: string | null
  /** Yunpian's explanation: the field to show a developer. */
  readonly detail: string
  readonly httpStatus: number
  readonly kind: YunpianErrorKind
  /** The code's meaning in English (Yunpian's `msg` and `detail` stay as received, often Chinese). */
  readonly explanation: string | undefined
  /** The endpoint, e.g. `sms/single_send`. */
  readonly endpoint: string

  constructor(init: {
    code: number
    msg: string | null
    detail: string
    httpStatus: number
    endpoint: string
  }) {
    const kind = kindOfCode(init.code)
    const explanation = explainCode(init.code)
    super(
      `Yunpian ${init.endpoint} answered code ${init.code} (${kind}${explanation ? `: ${explanation}` : ''}): ${init.detail || init.msg || 'no detail'}`,
    )
    this.explanation = explanation
    this.code = init.code
    this.msg = init.msg
    this.detail = init.detail
    this.httpStatus = init.httpStatus
    this.kind = kind
    this.endpoint = init.endpoint
  }
}

/**
 * No usable answer: connection refused or reset, a gateway page, a body that is not the expected JSON.
 * `requestSent` is false only when no byte of the request was written, so a send with
 * `requestSent: true` may or may not have been delivered: never resend it blindly.
 */
export class YunpianTransportError extends YunpianError {
  override name = 'YunpianTransportError'
  readonly requestSent: boolean
  readonly endpoint: string
  /** The HTTP status, when an answer arrived but was not Yunpian's JSON. */
  readonly statusCode: number | undefined

  constructor(
    message: string,
    init: { requestSent: boolean; endpoint: string; statusCode?: number | undefined; cause?: unknown },
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause })
    this.requestSent = init.requestSent
    this.endpoint = init.endpoint
    this.statusCode = init.statusCode
  }
}

/** No answer within `timeoutMs`. */
export class YunpianTimeoutError extends YunpianTransportError {
  override name = 'YunpianTimeoutError'
  readonly timeoutMs: number

  constructor(init: { requestSent: boolean; endpoint: string; timeoutMs: number }) {
    super(`Yunpian ${init.endpoint} did not answer within ${init.timeoutMs} ms`, init)
    this.timeoutMs = init.timeoutMs
  }
}

/** The caller's `AbortSignal` fired. Not retried. */
export class YunpianAbortError extends YunpianTransportError {
  override name = 'YunpianAbortError'
}

/** A push body that is not a valid Yunpian push. Nothing of it was returned. */
export class YunpianReportError extends YunpianError {
  override name = 'YunpianReportError'
}

/** A store could not answer (down, timed out, full). Callers fail closed: nothing is sent or accepted. */
export class StoreError extends YunpianError {
  override name = 'StoreError'
}

/** The `ThrottleStore` failed. */
export class ThrottleStoreError extends StoreError {
  override name = 'ThrottleStoreError'
}

/** The `OtpStore` failed. */
export class OtpStoreError extends StoreError {
  override name = 'OtpStoreError'
}

/** The `DedupeStore` of delivery reports failed: the push is answered for a retry. */
export class DedupeStoreError extends StoreError {
  override name = 'DedupeStoreError'
}

/** The `SendLedger` of watched sends failed. */
export class SendLedgerError extends StoreError {
  override name = 'SendLedgerError'
}

/** The pumping brake's `BrakeStore` failed. */
export class BrakeStoreError extends StoreError {
  override name = 'BrakeStoreError'
}

/** The `ReportQueue` failed. */
export class ReportQueueError extends StoreError {
  override name = 'ReportQueueError'
}

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
