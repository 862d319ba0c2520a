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
