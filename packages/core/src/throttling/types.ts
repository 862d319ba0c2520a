/** At most `limit` events in any span of `windowMs` (an exact sliding window). */
export interface ThrottleRule {
  /** Stable name, reported when the rule refuses (`RateLimit-Policy`, events, errors). */
  name: string
  limit: number
  windowMs: number
}

export type ThrottleDecision =
  | { allowed: true; remaining: number }
  | { allowed: false; rule: string; retryAfterMs: number }

export interface ConsumeOptions {
  /**
   * The key holds state that unauthenticated failures create (a failed-verify budget): a bounded store sheds
   * such keys first when it is full, before anyone's send budgets. Stores whose keys expire by themselves
   * (Redis) may ignore it.
   * @default false
   */
  shedFirst?: boolean
}

/**
 * Where throttle events live. Every rule of a key is checked before any is recorded, so one `consume`
 * is one atomic decision and a refused attempt records nothing. Over the limit is a result, not an
 * exception; only an infrastructure failure throws (`ThrottleStoreError`).
 */
export interface ThrottleStore {
  consume(key: string, rules: readonly ThrottleRule[], options?: ConsumeOptions): Promise<ThrottleDecision>
  /**
   * Undoes the most recent event (an attempt that proved to send nothing, a right code). A key left with no
   * events holds no state.
   */
  refund(key: string, rules: readonly ThrottleRule[]): Promise<void>
  /** Forgets everything about `key`. */
  reset(key: string): Promise<void>
}

/** Yunpian's own per-recipient rules (anti-harassment and anti-bombing), as presets. */
export const YUNPIAN_RULES = {
  /** Same content to the same number (carrier rule; codes 8, 9). */
  antiHarassment: [
    { name: 'yunpian-same-content-30s', limit: 1, windowMs: 30_000 },
    { name: 'yunpian-same-content-5min', limit: 3, windowMs: 5 * 60_000 },
  ],
  /** Verification codes to one number (codes 33, 22, 17). */
  antiBombing: [
    { name: 'yunpian-code-30s', limit: 1, windowMs: 30_000 },
    { name: 'yunpian-code-1h', limit: 3, windowMs: 60 * 60_000 },
    { name: 'yunpian-number-24h', limit: 10, windowMs: 24 * 60 * 60_000 },
  ],
} as const satisfies Record<string, readonly ThrottleRule[]>

/** Whether `rules` admit no more than `bound` does: some rule at least as long and no more generous. */
export function enforces(rules: readonly ThrottleRule[], bound: ThrottleRule): boolean {
  return rules.some((r) => r.windowMs >= bound.windowMs && r.limit <= bound.limit)
}
