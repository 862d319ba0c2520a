import { randomBytes } from 'node:crypto'

/** What a claim on a report id found. */
export type DedupeClaim =
  /** New to this store: the caller holds a lease and must `complete` or `release` it. */
  | { state: 'claimed'; token: string }
  /** Handled before: drop it. */
  | { state: 'done' }
  /** Another handler holds a lease on it right now: neither drop it nor handle it (ask for a retry). */
  | { state: 'busy' }

/**
 * Remembers which reports and replies were handled, so one that Yunpian sends again is handled once, and
 * never swallows a retry: a claim is a lease while the handler runs, "done" only once it succeeded.
 * A failed handler releases its lease; a lease nobody completes or releases (a crash, a store call that
 * timed out) lapses after `leaseMs`, so a later retry is handled.
 */
export interface DedupeStore {
  /** Takes a lease on `id` for `leaseMs`, unless it is done or leased. Atomic across instances. */
  claim(id: string, leaseMs: number): Promise<DedupeClaim>
  /** Marks `id` handled for `ttlMs` (whoever holds its lease now). */
  complete(id: string, ttlMs: number): Promise<void>
  /** Gives the lease back so a retry can handle `id`; a no-op unless `token` still holds it. */
  release(id: string, token: string): Promise<void>
}

/** Yunpian re-sends for 15 minutes (3 retries, 5 minutes apart); a day leaves room for pulls and replays. */
export const DEFAULT_DEDUPE_TTL_MS = 24 * 60 * 60_000

/**
 * How long a claim lasts before it lapses (default 60 s): longer than a handler should run, shorter than
 * Yunpian's 5 minutes between retries, so a retry never meets a claim left by a crash or a store timeout.
 */
export const DEFAULT_LEASE_MS = 60_000

/** A random lease token: only its holder can release it. */
export function leaseToken(): string {
  return randomBytes(9).toString('base64url')
}

/** What `new MemoryDedupeStore(options)` takes. */
export interface MemoryDedupeStoreOptions {
  /**
   * Most ids held; past it the oldest entry is dropped, which can only let a duplicate through.
   * @default 100000
   */
  maxEntries?: number | undefined
  /**
   * The clock, in milliseconds since the epoch.
   * @default Date.now
   */
  now?: (() => number) | undefined
}

interface Entry {
  /** The lease holder's token, or `null` once done. */
  token: string | null
  expiresAt: number
}

export class MemoryDedupeStore implements DedupeStore {
  readonly #entries = new Map<string, Entry>()
  readonly #maxEntries: number
  readonly #now: () => number

  constructor(options: MemoryDedupeStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000
    this.#now = options.now ?? Date.now
  }

  get size(): number {
    return this.#entries.size
  }

  async claim(id: string, leaseMs: number): Promise<DedupeClaim> {
    const now = this.#now()
    const entry = this.#entries.get(id)
    if (entry !== undefined && entry.expiresAt > now)
      return entry.token === null ? { state: 'done' } : { state: 'busy' }
    const token = leaseToken()
    this.#put(id, { token, expiresAt: now + leaseMs }, now)
    return { state: 'claimed', token }
  }

  async complete(id: string, ttlMs: number): Promise<void> {
    const now = this.#now()
    this.#put(id, { token: null, expiresAt: now + ttlMs }, now)
  }

  async release(id: string, token: string): Promise<void> {
    if (this.#entries.get(id)?.token === token) this.#entries.delete(id)
  }

  /** Entries are (re)inserted in time order, so the front holds the oldest: sweep a few, evict one if full. */
  #put(id: string, entry: Entry, now: number): void {
    this.#entries.delete(id)
    let examined = 0
    for (const [key, { expiresAt }] of this.#entries) {
      if (examined++ >= 8 || expiresAt > now) break
      this.#entries.delete(key)
    }
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    this.#entries.set(id, entry)
  }
}
