import {
  type DedupeStore,
  type OtpChallenge,
  type OtpCheck,
  type OtpStore,
  OtpStoreError,
  StoreError,
  type ThrottleDecision,
  type ThrottleRule,
  type ThrottleStore,
  ThrottleStoreError,
} from '@yunpian-kit/core'
import { RedisConnection, type RedisConnectionOptions } from './connection.js'
import { CONSUME, REFUND, VERIFY } from './scripts.js'

export interface RedisThrottleStoreOptions extends RedisConnectionOptions {
  /**
   * When Redis cannot answer: `'fail-closed'` (default) throws `ThrottleStoreError`, so no SMS is sent;
   * `'fail-open'` admits the attempt and reports the error to `onError`.
   */
  onStoreError?: 'fail-closed' | 'fail-open'
  onError?: (error: StoreError) => void
}

/**
 * Exact sliding windows in Redis: one script call per decision, time from Redis, O(log n) in the events a
 * key holds. Events live in one sorted set per key, trimmed and expired with the longest window; a refusal
 * only reads.
 */
export class RedisThrottleStore implements ThrottleStore {
  readonly #redis: RedisConnection
  readonly #failOpen: boolean
  readonly #onError: ((error: StoreError) => void) | undefined

  constructor(options: RedisThrottleStoreOptions) {
    this.#redis = new RedisConnection(options, ThrottleStoreError)
    this.#failOpen = options.onStoreError === 'fail-open'
    this.#onError = options.onError
  }

  async consume(key: string, rules: readonly ThrottleRule[]): Promise<ThrottleDecision> {
    const args = consumeArgs(rules)
    try {
      const reply = (await this.#redis.run(CONSUME, [this.#events(key)], args)) as number[]
      if (reply[0] === 1) return { allowed: true, remaining: Number(reply[1]) }
      return {
        allowed: false,
        rule: rules[Number(reply[1]) - 1]!.name,
        retryAfterMs: Math.max(0, Number(reply[2])),
      }
    } catch (error) {
      return this.#fail(error, { allowed: true, remaining: 0 })
    }
  }

  async refund(key: string, rules: readonly ThrottleRule[]): Promise<void> {
    try {
      if (rules.length > 0) await this.#redis.run(REFUND, [this.#events(key)], [])
    } catch (error) {
      this.#fail(error, undefined)
    }
  }

  async reset(key: string): Promise<void> {
    try {
      await this.#redis.del(this.#events(key))
    } catch (error) {
      this.#fail(error, undefined)
    }
  }

  close(): Promise<void> {
    return this.#redis.close()
  }

  /** One sorted set of event times per key: every rule of the key reads the same events. */
  #events(key: string): string {
    return this.#redis.key(key, 'events')
  }

  #fail<T>(error: unknown, openAnswer: T): T {
    const storeError =
      error instanceof StoreError ? error : new ThrottleStoreError(String(error), { cause: error })
    this.#onError?.(storeError)
    if (this.#failOpen) return openAnswer
    throw storeError
  }
}

/** Pending verification codes in Redis; `verify` is one script. Always fails closed. */
const argsByRules = new WeakMap<readonly ThrottleRule[], number[]>()

/** Longest window, then limit and window per rule; cached per rules array (callers reuse theirs). */
function consumeArgs(rules: readonly ThrottleRule[]): number[] {
  let args = argsByRules.get(rules)
  if (!args) {
    args = [Math.max(1, ...rules.map((r) => r.windowMs))]
    for (const rule of rules) args.push(rule.limit, rule.windowMs)
    argsByRules.set(rules, args)
  }
  return args
}

export class RedisOtpStore implements OtpStore {
  readonly #redis: RedisConnection

  constructor(options: RedisConnectionOptions) {
    this.#redis = new RedisConnection(options, OtpStoreError)
  }

  async set(key: string, challenge: OtpChallenge): Promise<void> {
    await this.#redis.set(this.#key(key), `${challenge.digest}:${challenge.attempts}`, challenge.ttlMs)
  }

  async verify(key: string, digest: string): Promise<OtpCheck> {
    return (await this.#redis.run(VERIFY, [this.#key(key)], [digest])) as OtpCheck
  }

  async delete(key: string): Promise<void> {
    await this.#redis.del(this.#key(key))
  }

  close(): Promise<void> {
    return this.#redis.close()
  }

  #key(key: string): string {
    return this.#redis.key(key, 'code')
  }
}

export class DedupeStoreError extends StoreError {
  override name = 'DedupeStoreError'
}

/** First-seen claims as `SET NX PX`: one command, atomic. Fails closed (the push is answered for a retry). */
export class RedisDedupeStore implements DedupeStore {
  readonly #redis: RedisConnection

  constructor(options: RedisConnectionOptions) {
    this.#redis = new RedisConnection(options, DedupeStoreError)
  }

  async seen(id: string, ttlMs: number): Promise<boolean> {
    return !(await this.#redis.set(this.#key(id), '1', ttlMs, true))
  }

  async forget(id: string): Promise<void> {
    await this.#redis.del(this.#key(id))
  }

  close(): Promise<void> {
    return this.#redis.close()
  }

  #key(id: string): string {
    return this.#redis.key(id, 'seen')
  }
}
