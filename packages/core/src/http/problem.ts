import type { ServerResponse } from 'node:http'
import {
  OtpCountryNotAllowedError,
  OtpRateLimitedError,
  OtpRiskRejectedError,
  StoreError,
  YunpianApiError,
  YunpianError,
  YunpianOptionsError,
  YunpianReportError,
  YunpianTransportError,
  YunpianValidationError,
} from '../errors.js'
import { isTemporaryCode } from '../protocol/codes.js'
import type { ThrottleRule } from '../throttling/types.js'

/** What an adapter writes back: status, headers and a serialized body. */
export interface HttpAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * Writes an answer on Node's response (Express's `res` is one). The answer is complete as it is, so a
 * framework's `send` (ETag, content-type guessing) would only add work; headers set earlier by the app stay.
 */
export function writeAnswer(res: ServerResponse, answer: HttpAnswer): void {
  res.statusCode = answer.status
  for (const name in answer.headers) res.setHeader(name, answer.headers[name]!)
  res.end(answer.body)
}

/** The stable `code` member of the contract's problem documents. */
export type ProblemCode =
  | 'invalid_request'
  | 'country_not_allowed'
  | 'risk_rejected'
  | 'rate_limited'
  | 'provider_rejected'
  | 'unavailable'
  | 'code_invalid'
  | 'not_found'
  | 'payload_too_large'
  | 'internal_error'

const TITLES: Record<ProblemCode, string> = {
  invalid_request: 'The request is not valid',
  country_not_allowed: 'Codes are not sent to this country',
  risk_rejected: 'The request was refused by a risk check',
  rate_limited: 'Too many requests',
  provider_rejected: 'The SMS provider refused the message',
  unavailable: 'The service is unavailable',
  code_invalid: 'The code is not valid',
  not_found: 'Not found',
  payload_too_large: 'The request body is too large',
  internal_error: 'Internal error',
}

/** Seconds a client should wait after a 503 before trying again. */
const UNAVAILABLE_RETRY_S = 30

/** An RFC 9457 problem document. */
export function problem(
  status: number,
  code: ProblemCode,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): HttpAnswer {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify({
      type: `urn:yunpian-kit:problem:${code}`,
      title: TITLES[code],
      status,
      detail,
      code,
      ...extra,
    }),
  }
}

/** A rule's name as an IETF rate-limit policy name (a quoted string of safe characters). */
const policyName = (rule: string) => `"${rule.replace(/[^A-Za-z0-9_.-]/g, '-')}"`
const policies = new WeakMap<readonly ThrottleRule[], string>()

/** `RateLimit-Policy` (IETF httpapi rate-limit headers): each rule as `"name";q=limit;w=window seconds`. */
export function rateLimitPolicy(rules: readonly ThrottleRule[]): string {
  let policy = policies.get(rules)
  if (policy === undefined) {
    policy = rules
      .map((r) => `${policyName(r.name)};q=${r.limit};w=${Math.ceil(r.windowMs / 1000)}`)
      .join(', ')
    policies.set(rules, policy)
  }
  return policy
}

/** `RateLimit`: what is left of a policy and, when known, the seconds until more is allowed. */
export function rateLimitState(rule: string, remaining: number, resetSeconds?: number): string {
  return `${policyName(rule)};r=${remaining}${resetSeconds === undefined ? '' : `;t=${resetSeconds}`}`
}

/** The rule named in `RateLimit` when several hold: the one with the fewest requests. */
export function tightestRule(rules: readonly ThrottleRule[]): ThrottleRule {
  return rules.reduce((a, b) => (b.limit < a.limit ? b : a))
}

/**
 * `RateLimit-Policy` and `RateLimit` for a request that was allowed: the rules, and what is left of them
 * (`remaining` is the least any rule has left), with the seconds to wait when nothing is.
 */
export function budgetHeaders(
  rules: readonly ThrottleRule[],
  remaining: number,
  waitSeconds?: number,
): Record<string, string> {
  return {
    'ratelimit-policy': rateLimitPolicy(rules),
    ratelimit: rateLimitState(tightestRule(rules).name, remaining, remaining === 0 ? waitSeconds : undefined),
  }
}

/** `RateLimit-Policy` and `RateLimit` (IETF httpapi rate-limit headers) and `Retry-After`, in seconds. */
export function rateLimitHeaders(
  rule: string,
  retryAfterMs: number,
  limit?: number,
  windowMs?: number,
): Record<string, string> {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
  const headers: Record<string, string> = {
    'retry-after': String(seconds),
    ratelimit: rateLimitState(rule, 0, seconds),
  }
  if (limit !== undefined && windowMs !== undefined) {
    headers['ratelimit-policy'] = `${policyName(rule)};q=${limit};w=${Math.ceil(windowMs / 1000)}`
  }
  return headers
}

/**
 * The contract's answer for any error the OTP routes and the webhook can meet. Nothing in it reveals the
 * apikey, a host, Yunpian's raw detail or a stack; `report` receives the error for the log when it is the
 * server's or the provider's problem.
 */
export function problemFor(error: unknown, report?: (error: unknown) => void): HttpAnswer {
  // The server's configuration, not the request: a 500 below, and no option named to the client.
  if (error instanceof YunpianValidationError && !(error instanceof YunpianOptionsError)) {
    return problem(400, 'invalid_request', 'Some fields are not valid.', {
      errors: error.issues.map((i) => ({ field: i.field, message: i.message })),
    })
  }
  if (error instanceof YunpianReportError) {
    report?.(error)
    return problem(400, 'invalid_request', error.message)
  }
  if (error instanceof OtpCountryNotAllowedError) {
    return problem(403, 'country_not_allowed', 'Verification codes are not sent to numbers of this country.')
  }
  if (error instanceof OtpRiskRejectedError) return problem(403, 'risk_rejected', 'The request was refused.')
  if (error instanceof OtpRateLimitedError) {
    return problem(
      429,
      'rate_limited',
      `Too many requests; try again in ${Math.ceil(error.retryAfterMs / 1000)} seconds.`,
      { rule: error.rule, retryAfter: Math.ceil(error.retryAfterMs / 1000) },
      rateLimitHeaders(error.rule, error.retryAfterMs, error.limit, error.windowMs),
    )
  }
  if (error instanceof YunpianApiError && !isTemporaryCode(error.code)) {
    report?.(error)
    return problem(502, 'provider_rejected', 'The SMS provider refused to send the message.')
  }
  // Ours or Yunpian's temporary trouble ("system busy"): nothing was sent, a later try may work.
  if (
    error instanceof StoreError ||
    error instanceof YunpianTransportError ||
    error instanceof YunpianApiError
  ) {
    report?.(error)
    return problem(
      503,
      'unavailable',
      'The service cannot send or check codes right now.',
      {},
      {
        'retry-after': String(UNAVAILABLE_RETRY_S),
      },
    )
  }
  report?.(error)
  return problem(
    500,
    'internal_error',
    error instanceof YunpianError ? 'The request failed.' : 'Internal error.',
  )
}
