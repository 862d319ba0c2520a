import { timingSafeEqual } from 'node:crypto'
import { Sweeper } from '../internal/sweeper.js'

/** A pending code: only its HMAC digest (hex), never the code itself. */
export interface OtpChallenge {
  digest: string
  ttlMs: number
  /** Verify attempts this code allows. */
  attempts: number
}

/**
 * `verified`: right digest, the challenge is consumed. `mismatch`: wrong, one attempt used.
 * `exhausted`: wrong and that was the last attempt, the challenge is gone. `missing`: no live challenge.
 */
export type OtpCheck = 'verified' | 'mismatch' | 'exhausted' | 'missing'

/**
 * Where pending codes live. `verify` is one atomic step: count the attempt, compare, and consume on
 * success or delete when attempts run out, so two concurrent right answers verify once.
 */
export interface OtpStore {
  /** Stores a challenge, replacing any pending one for `key`. */
  set(key: string, challenge: OtpChallenge): Promise<void>
  verify(key: string, digest: string): Promise<OtpCheck>
  delete(key: string): Promise<void>
}

interface Pending {
  digest: Buffer
  expiresAt: number
  attemptsLeft: number
}

/** What `new MemoryOtpStore(options)` takes. */
export interface MemoryOtpStoreOptions {
  /**
   * Most pending codes held at once. When it is reached, expired codes go first, then the oldest pending
   * ones (1% of the cap at a time): their owners ask for a new code, no one is refused. The send budgets
   * admit far fewer codes per lifetime than this (`docs/security.md`).
   * @default 100000
   */
  maxKeys?: number | undefined
  /**
   * The clock, in milliseconds since the epoch.
   * @default Date.now
   */
  now?: (() => number) | undefined
}

/** Pending codes in process memory, expired ones swept in turn, a few per new key (no timers). */
export class MemoryOtpStore implements OtpStore {
  readonly #pending = new Map<string, Pending>()
  readonly #sweeper = new Sweeper(this.#pending, (pending) => pending.expiresAt)
  readonly #maxKeys: number
  readonly #now: () => number

  constructor(options: MemoryOtpStoreOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000
    this.#now = options.now ?? Date.now
  }

  get size(): number {
    return this.#pending.size
  }

  async set(key: string, challenge: OtpChallenge): Promise<void> {
    const now = this.#now()
    // A replaced code counts as new: the oldest codes are the first shed when the store is full.
    if (!this.#pending.delete(key)) {
      // Only new keys grow the map, so only they pay for the sweep.
      this.#sweeper.makeRoom(now, this.#maxKeys)
    }
    this.#pending.set(key, {
      digest: Buffer.from(challenge.digest, 'hex'),
      expiresAt: now + challenge.ttlMs,
      attemptsLeft: challenge.attempts,
    })
  }

  async verify(key: string, digest: string): Promise<OtpCheck> {
    const pending = this.#pending.get(key)
    if (!pending || pending.expiresAt <= this.#now()) {
      if (pending) this.#pending.delete(key)
      return 'missing'
    }
    // Count the attempt before comparing; this whole block runs without a yield, so it is atomic.
    pending.attemptsLeft--
    const candidate = Buffer.from(digest, 'hex')
    if (candidate.length === pending.digest.length && timingSafeEqual(candidate, pending.digest)) {
      this.#pending.delete(key)
      return 'verified'
    }
    if (pending.attemptsLeft <= 0) {
      this.#pending.delete(key)
      return 'exhausted'
    }
    return 'mismatch'
  }

  async delete(key: string): Promise<void> {
    this.#pending.delete(key)
  }
}
