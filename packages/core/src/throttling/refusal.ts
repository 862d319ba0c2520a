import { type OtpLimitScope, OtpRateLimitedError } from '../errors.js'
import type { ThrottleDecision, ThrottleRule } from './types.js'

/**
 * A store's refusal as the error every caller answers it with (429 with `Retry-After` and the rule's
 * `RateLimit-Policy`): the refusing rule, the wait, and that rule's limit and window from `rules`.
 */
export function refusalError(
  scope: OtpLimitScope,
  refusal: Extract<ThrottleDecision, { allowed: false }>,
  rules: readonly ThrottleRule[],
): OtpRateLimitedError {
  const rule = rules.find((r) => r.name === refusal.rule)
  return new OtpRateLimitedError({
    scope,
    rule: refusal.rule,
    retryAfterMs: refusal.retryAfterMs,
    limit: rule?.limit,
    windowMs: rule?.windowMs,
  })
}
