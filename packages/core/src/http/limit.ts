import { StoreError, type YunpianError, YunpianOptionsError } from '../errors.js'
import { refusalError } from '../throttling/refusal.js'
import type { ThrottleRule, ThrottleStore } from '../throttling/types.js'
import { budgetHeaders } from './problem.js'

/** A limit on one of the app's own routes (a login form, a password reset), per client. */
export interface RouteLimit<Request> {
  /** At most `limit` requests per `windowMs` per key; every rule holds. */
  rules: readonly ThrottleRule[]
  /**
   * Names the budget in the store (`route:{id}:{key}`); routes with the same id share it.
   * @default the rules' names joined, so two routes limited by the same rules share one budget
   */
  id?: string | undefined
  /**
   * `(request) => string | undefined`: whose budget a request spends.
   * @default the adapter's client key: the client address, IPv6 by /64 (with Hono, your `clientKey`)
   */
  key?: ((request: Request) => string | undefined) | undefined
  /**
   * `(request) => boolean | Promise<boolean>`: requests that pass uncounted (health checks, internal addresses).
   * @default none: every request is counted
   */
  skip?: ((request: Request) => boolean | Promise<boolean>) | undefined
  /**
   * `RateLimit-Policy` and `RateLimit` on allowed requests too; a 429 always has them.
   * @default true
   */
  headers?: boolean | undefined
}

/**
 * What a route limit decided: go on (with the headers to add), or the error to answer with
 * (`problemFor` makes it the 429, or the 503 of a store that cannot answer).
 */
export type RouteLimitOutcome =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; error: YunpianError }

const NO_HEADERS: Record<string, string> = {}

/**
 * Checks a route limit's options once, where the adapter builds it (`owner`: `@yunpian-kit/express otpThrottle()`;
 * `prefix`: how the user reaches the options, `config.otpThrottle.`).
 */
export function checkRouteLimit(owner: string, limit: RouteLimit<never>, prefix = ''): void {
  const rules = limit?.rules
  if (
    !Array.isArray(rules) ||
    rules.length === 0 ||
    !rules.every(
      (r) =>
        typeof r?.name === 'string' &&
        r.name !== '' &&
        Number.isInteger(r.limit) &&
        r.limit >= 1 &&
        Number.isInteger(r.windowMs) &&
        r.windowMs >= 1,
    )
  ) {
    throw new YunpianOptionsError(owner, {
      option: `${prefix}rules`,
      allowed: 'must be a non-empty list of { name, limit (whole number ≥ 1), windowMs (ms ≥ 1) }',
      received: rules,
    })
  }
  for (const name of ['key', 'skip'] as const) {
    if (limit[name] !== undefined && typeof limit[name] !== 'function')
      throw new YunpianOptionsError(owner, {
        option: `${prefix}${name}`,
        allowed: 'must be a function of the request',
        received: limit[name],
      })
  }
}

/**
 * Spends one request of `key`'s budget for a route. A refusal is an `OtpRateLimitedError` (the contract's
 * 429 `rate_limited` with `Retry-After`, `RateLimit-Policy` and `RateLimit`); a store that cannot answer
 * is its `StoreError` (503, fail closed).
 */
export async function consumeRouteLimit(
  store: ThrottleStore,
  id: string,
  key: string,
  rules: readonly ThrottleRule[],
  options: { headers?: boolean } = {},
): Promise<RouteLimitOutcome> {
  let decision: Awaited<ReturnType<ThrottleStore['consume']>>
  try {
    // Any client can create these keys: a full store sheds them before the OTP send budgets it shares.
    decision = await store.consume(`route:${id}:${key}`, rules, { shedFirst: true })
  } catch (error) {
    if (error instanceof StoreError) return { allowed: false, error }
    throw error
  }
  if (decision.allowed) {
    if (options.headers === false) return { allowed: true, headers: NO_HEADERS }
    return { allowed: true, headers: budgetHeaders(rules, decision.remaining) }
  }
  return { allowed: false, error: refusalError('client', decision, rules) }
}

/** The budget's name when the app gives none: its rules' names. */
export function routeLimitId(rules: readonly ThrottleRule[]): string {
  return rules.map((r) => r.name).join('+')
}
