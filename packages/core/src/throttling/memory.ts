import { Sweeper } from '../internal/sweeper.js'
import { type ThrottleDecision, type ThrottleRule, type ThrottleStore, ThrottleStoreError } from './types.js'

export interface MemoryStoreOptions {
  /** Most keys held at once (default 100,000). */
  maxKeys?: number
  /**
   * When `maxKeys` live keys exist and a new one is needed: `'reject'` (default) throws
   * `ThrottleStoreError`, so callers fail closed; `'evict-oldest'` drops the oldest key (first created),
   * which forgets its limits. Past that size, use `@yunpian-kit/redis`.
   */
  whenFull?: 'reject' | 'evict-oldest'
  /** Milliseconds since the epoch; `Date.now` by default. */
  now?: () => number
}

interface Entry {
  /**
   * Times of admitted events, oldest first; every rule reads the same events. Old ones are trimmed in
   * batches, so it holds at most about twice the largest limit.
   */
  times: number[]
  /** When every event has left the longest window. */
  expiresAt: number
}

/** The fewest old events worth a trim. */
const TRIM_BATCH = 32
/** Entries looked at per new key: more than one, so the sweep outpaces the keys it makes room for. */
const SWEEP_PER_NEW_KEY = 2

/**
 * Exact sliding windows in process memory: one instance, one process. No timers: expired keys are swept in
 * turn, a few per new key, and all of them when the store is full.
 */
export class MemoryThrottleStore implements ThrottleStore {
  readonly #entries = new Map<string, Entry>()
  readonly #sweeper = new Sweeper(this.#entries, (entry) => entry.expiresAt)
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
    const entry = this.#entries.get(key)
    const times = entry?.times ?? []
    let remaining = Number.POSITIVE_INFINITY
    let refusal: { rule: string; retryAfterMs: number } | undefined
    for (const rule of rules) {
      const count = countSince(times, now - rule.windowMs)
      if (count >= rule.limit) {
        // The limit-th newest event must leave the window before another fits.
        const retryAfterMs = times[times.length - rule.limit]! + rule.windowMs - now
        if (!refusal || retryAfterMs > refusal.retryAfterMs) refusal = { rule: rule.name, retryAfterMs }
      } else remaining = Math.min(remaining, rule.limit - count - 1)
    }
    if (refusal) return { allowed: false, ...refusal }

    let longest = 0
    let most = 0
    for (const rule of rules) {
      longest = Math.max(longest, rule.windowMs)
      most = Math.max(most, rule.limit)
    }
    const target = entry ?? this.#admit(key, now)
    target.times.push(now)
    // Events past the longest window or beyond the largest limit change no count. They are dropped in
    // batches, once they are half the log, so a limit of 100,000 costs no more per call than one of 10.
    const log = target.times
    if (log.length >= TRIM_BATCH) {
      const excess = Math.max(log.length - countSince(log, now - longest), log.length - most)
      if (excess >= TRIM_BATCH && 2 * excess >= log.length) log.splice(0, excess)
    }
    target.expiresAt = Math.max(target.expiresAt, now + longest)
    return { allowed: true, remaining: remaining === Number.POSITIVE_INFINITY ? 0 : remaining }
  }

  async refund(key: string, rules: readonly ThrottleRule[]): Promise<void> {
    const entry = this.#entries.get(key)
    if (!entry) return
    if (rules.length > 0) entry.times.pop()
  }

  async reset(key: string): Promise<void> {
    this.#entries.delete(key)
  }

  /** Only new keys grow the map, so only they pay for the sweep. */
  #admit(key: string, now: number): Entry {
    this.#sweeper.some(now, SWEEP_PER_NEW_KEY)
    if (this.#entries.size >= this.#maxKeys) {
      this.#sweeper.all(now)
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
    const entry: Entry = { times: [], expiresAt: now }
    this.#entries.set(key, entry)
    return entry
  }
}

/** Events newer than `since`: times are ascending, so a binary search finds the first one. */
function countSince(times: readonly number[], since: number): number {
  let low = 0
  let high = times.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (times[mid]! > since) high = mid
    else low = mid + 1
  }
  return times.length - low
}
