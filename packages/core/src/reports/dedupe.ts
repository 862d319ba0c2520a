/**
 * Remembers which reports and replies were handled, so one that Yunpian sends again is handled once.
 * `seen` is an atomic first-seen claim; `forget` releases a claim whose handling failed, so a retry can
 * bring it back.
 */
export interface DedupeStore {
  /** True when `id` was already claimed within its window; otherwise claims it for `ttlMs` and answers false. */
  seen(id: string, ttlMs: number): Promise<boolean>
  forget(id: string): Promise<void>
}

/** Yunpian re-sends for 15 minutes (3 retries, 5 minutes apart); a day leaves room for pulls and replays. */
export const DEFAULT_DEDUPE_TTL_MS = 24 * 60 * 60_000

export interface MemoryDedupeStoreOptions {
  /** Most ids held (default 100,000); past it the oldest claim is dropped, which can only let a duplicate through. */
  maxEntries?: number
  now?: () => number
}

export class MemoryDedupeStore implements DedupeStore {
  readonly #claims = new Map<string, number>()
  readonly #maxEntries: number
  readonly #now: () => number

  constructor(options: MemoryDedupeStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000
    this.#now = options.now ?? Date.now
  }

  get size(): number {
    return this.#claims.size
  }

  async seen(id: string, ttlMs: number): Promise<boolean> {
    const now = this.#now()
    const expiresAt = this.#claims.get(id)
    if (expiresAt !== undefined && expiresAt > now) return true
    this.#claims.delete(id)
    // Claims are inserted in time order, so the front holds the oldest: sweep a few, evict one if full.
    let examined = 0
    for (const [key, until] of this.#claims) {
      if (examined++ >= 8 || until > now) break
      this.#claims.delete(key)
    }
    if (this.#claims.size >= this.#maxEntries) {
      const oldest = this.#claims.keys().next().value
      if (oldest !== undefined) this.#claims.delete(oldest)
    }
    this.#claims.set(id, now + ttlMs)
    return false
  }

  async forget(id: string): Promise<void> {
    this.#claims.delete(id)
  }
}
