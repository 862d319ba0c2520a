import { type ThrottleDecision, type ThrottleRule, type ThrottleStore, ThrottleStoreError } from './types.js'

export interface MemoryStoreOptions {
  /** Most keys held at once (default 100,000). */
  maxKeys?: number
  /**
   * When `maxKeys` live keys exist and a new one is needed: `'reject'` (default) throws
   * `ThrottleStoreError`, so callers fail closed; `'evict-oldest'` drops the least recently used key,
   * which forgets its limits. Past that size, use `@yunpian-kit/redis`.
   */
  whenFull?: 'reject' | 'evict-oldest'
  /** Milliseconds since the epoch; `Date.now` by default. */
  now?: () => number
}

interface Entry {
  /** Per rule (`name|limit|windowMs`): timestamps of the last `limit` events, oldest first. */
  windows: Map<string, number[]>
  /** When every event of this key has left every window. */
  expiresAt: number
}

const SWEEP_PER_CALL = 8

/**
 * Exact sliding windows in process memory: one instance, one process. No timers: expired keys are swept a
 * few per call, and all of them when the store is full.
 */
export class MemoryThrottleStore implements ThrottleStore {
  readonly #entries = new Map<string, Entry>()
  readonly #maxKeys: number
  readonly #whenFull: 'reject' | 'evict-oldest'
  readonly #now: () => number

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000
    this.#whenFull = options.whenFull ?? 'reject'
    this.#now = options.now ?? Date.now
  }

  get size(): number {
    return this.#entries.size
  }

  async consume(key: string, rules: readonly ThrottleRule[]): Promise<ThrottleDecision> {
    return this.consumeSync(key, rules)
  }

  /** The synchronous core of `consume`: nothing can interleave with it, which is what makes it atomic. */
  consumeSync(key: string, rules: readonly ThrottleRule[]): ThrottleDecision {
    const now = this.#now()
    this.#sweep(now, SWEEP_PER_CALL)
    const entry = this.#entries.get(key)
    let remaining = Number.POSITIVE_INFINITY
    let refusal: { rule: string; retryAfterMs: number } | undefined
    for (const rule of rules) {
      const times = live(entry?.windows.get(ruleId(rule)), now, rule.windowMs)
      if (times.length >= rule.limit) {
        // The oldest event that still counts must leave the window before another fits.
        const retryAfterMs = times[times.length - rule.limit]! + rule.windowMs - now
        if (!refusal || retryAfterMs > refusal.retryAfterMs) refusal = { rule: rule.name, retryAfterMs }
      } else remaining = Math.min(remaining, rule.limit - times.length - 1)
    }
    if (refusal) return { allowed: false, ...refusal }

    const target = entry ?? this.#admit(key, now)
    let expiresAt = target.expiresAt
    for (const rule of rules) {
      const id = ruleId(rule)
      const times = live(target.windows.get(id), now, rule.windowMs)
      times.push(now)
      if (times.length > rule.limit) times.splice(0, times.length - rule.limit)
      target.windows.set(id, times)
      expiresAt = Math.max(expiresAt, now + rule.windowMs)
    }
    target.expiresAt = expiresAt
    // Re-insert so iteration order is least recently used first.
    this.#entries.delete(key)
    this.#entries.set(key, target)
    return { allowed: true, remaining: remaining === Number.POSITIVE_INFINITY ? 0 : remaining }
  }

  async refund(key: string, rules: readonly ThrottleRule[]): Promise<void> {
    const entry = this.#entries.get(key)
    if (!entry) return
    for (const rule of rules) entry.windows.get(ruleId(rule))?.pop()
  }

  async reset(key: string): Promise<void> {
    this.#entries.delete(key)
  }

  #admit(key: string, now: number): Entry {
    if (this.#entries.size >= this.#maxKeys) {
      this.#sweep(now, Number.POSITIVE_INFINITY)
      if (this.#entries.size >= this.#maxKeys) {
        if (this.#whenFull === 'reject') {
          throw new ThrottleStoreError(
            `MemoryThrottleStore is full (${this.#maxKeys} live keys): raise maxKeys, set whenFull: 'evict-oldest', or use @yunpian-kit/redis`,
          )
        }
        const oldest = this.#entries.keys().next().value
        if (oldest !== undefined) this.#entries.delete(oldest)
      }
    }
    const entry: Entry = { windows: new Map(), expiresAt: now }
    this.#entries.set(key, entry)
    return entry
  }

  #sweep(now: number, budget: number): void {
    let examined = 0
    for (const [key, entry] of this.#entries) {
      if (examined++ >= budget) return
      if (entry.expiresAt <= now) this.#entries.delete(key)
    }
  }
}

function ruleId(rule: ThrottleRule): string {
  return `${rule.name}|${rule.limit}|${rule.windowMs}`
}

/** The timestamps still inside the window (drops the rest in place). */
function live(times: number[] | undefined, now: number, windowMs: number): number[] {
  if (!times) return []
  let expired = 0
  while (expired < times.length && times[expired]! <= now - windowMs) expired++
  if (expired > 0) times.splice(0, expired)
  return times
}
