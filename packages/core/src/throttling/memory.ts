import { ThrottleStoreError } from '../errors.js'
import { SWEEP_PER_NEW_KEY, Sweeper, shedOldest } from '../internal/sweeper.js'
import type { ConsumeOptions, ThrottleDecision, ThrottleRule, ThrottleStore } from './types.js'

/** What `new MemoryThrottleStore(options)` takes. */
export interface MemoryStoreOptions {
  /**
   * Most keys held at once (about 40 MB at the default; `docs/security.md` has the measured figures). A
   * flood of new keys never takes the store past it.
   * @default 100000
   */
  maxKeys?: number | undefined
  /**
   * When `maxKeys` keys are live and a new one is needed: `'shed'` makes room for a batch (1% of `maxKeys`),
   * expired keys first, then keys marked `shedFirst` (state that failed, unauthenticated requests created),
   * oldest first, then the oldest keys, so a flood costs the flooder its state first and never turns into a
   * refusal for everyone; `'reject'` throws `ThrottleStoreError` instead, so callers fail closed while the
   * store is full. `'evict-oldest'` is the former name of `'shed'`.
   * @default 'shed'
   */
  whenFull?: 'shed' | 'reject' | 'evict-oldest' | undefined
  /**
   * The clock, in milliseconds since the epoch.
   * @default Date.now
   */
  now?: (() => number) | undefined
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

/**
 * Exact sliding windows in process memory: one instance, one process, at most `maxKeys` keys. No timers:
 * expired keys are swept in turn, a few per new key, and all of them when the store is full. Keys marked
 * `shedFirst` live in a map of their own, so shedding them first costs no search.
 */
export class MemoryThrottleStore implements ThrottleStore {
  readonly #entries = new Map<string, Entry>()
  readonly #shedFirst = new Map<string, Entry>()
  readonly #sweepers = [
    new Sweeper(this.#entries, (entry) => entry.expiresAt),
    new Sweeper(this.#shedFirst, (entry) => entry.expiresAt),
  ]
  readonly #maxKeys: number
  readonly #reject: boolean
  readonly #now: () => number

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000
    this.#reject = options.whenFull === 'reject'
    this.#now = options.now ?? Date.now
  }

  get size(): number {
    return this.#entries.size + this.#shedFirst.size
  }

  async consume(
    key: string,
    rules: readonly ThrottleRule[],
    options?: ConsumeOptions,
  ): Promise<ThrottleDecision> {
    return this.consumeSync(key, rules, options)
  }

  /** The synchronous core of `consume`: nothing can interleave with it, which is what makes it atomic. */
  consumeSync(key: string, rules: readonly ThrottleRule[], options?: ConsumeOptions): ThrottleDecision {
    const now = this.#now()
    const entry = this.#entries.get(key) ?? this.#fromShedFirst(key, options?.shedFirst === true)
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
    const target = entry ?? this.#admit(key, now, options?.shedFirst === true)
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
    const map = this.#entries.has(key) ? this.#entries : this.#shedFirst
    const entry = map.get(key)
    if (!entry || rules.length === 0) return
    entry.times.pop()
    // A key whose only event was given back (a right code, a refused send) keeps no state.
    if (entry.times.length === 0) map.delete(key)
  }

  async reset(key: string): Promise<void> {
    this.#entries.delete(key)
    this.#shedFirst.delete(key)
  }

  /** A `shedFirst` key, moved among the others when it is used without the mark. */
  #fromShedFirst(key: string, shedFirst: boolean): Entry | undefined {
    const entry = this.#shedFirst.get(key)
    if (entry && !shedFirst) {
      this.#shedFirst.delete(key)
      this.#entries.set(key, entry)
    }
    return entry
  }

  /** Only new keys grow the maps, so only they pay for the sweep. */
  #admit(key: string, now: number, shedFirst: boolean): Entry {
    for (const sweeper of this.#sweepers) sweeper.some(now, SWEEP_PER_NEW_KEY)
    if (this.size >= this.#maxKeys) this.#makeRoom(now)
    const entry: Entry = { times: [], expiresAt: now }
    ;(shedFirst ? this.#shedFirst : this.#entries).set(key, entry)
    return entry
  }

  /**
   * Expired keys, then `shedFirst` keys, then the oldest, down to 1% below the cap: the full sweep is paid
   * once per batch of new keys, not once per key.
   */
  #makeRoom(now: number): void {
    for (const sweeper of this.#sweepers) sweeper.all(now)
    if (this.size < this.#maxKeys) return
    if (this.#reject) {
      throw new ThrottleStoreError(
        `MemoryThrottleStore is full (${this.#maxKeys} live keys): raise maxKeys, leave whenFull at 'shed', or use @yunpian-kit/redis`,
      )
    }
    const target = this.#maxKeys - Math.max(1, Math.floor(this.#maxKeys / 100))
    shedOldest(this.#shedFirst, this.size - target)
    shedOldest(this.#entries, this.size - target)
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
