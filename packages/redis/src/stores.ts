import {
  type DedupeClaim,
  type DedupeStore,
  DedupeStoreError,
  leaseToken,
  type OtpChallenge,
  type OtpCheck,
  type OtpLimitScope,
  type OtpStore,
  OtpStoreError,
  StoreError,
  type ThrottleDecision,
  type ThrottleRule,
  type ThrottleStore,
  ThrottleStoreError,
  YunpianOptionsError,
} from '@yunpian-kit/core'
import { RedisConnection, type RedisConnectionOptions } from './connection.js'
import { DEDUPE_CLAIM, DEDUPE_RELEASE } from './report-scripts.js'
import { CONSUME, REFUND, VERIFY } from './scripts.js'

/** What a throttle decision does when Redis cannot answer. */
export type StoreFailurePolicy = 'fail-closed' | 'fail-open'

/** The OtpService budgets a policy can name; their keys are `otp:send:<scope>:…`. */
type BudgetScope = Exclude<OtpLimitScope, 'verify' | 'yunpian' | 'brake'>

/** `{ client }` or `{ url }`, the key options, and the throttle's failure policy. */
export type RedisThrottleStoreOptions = RedisConnectionOptions & RedisThrottleStoreSettings

/** What `RedisThrottleStore` takes besides its connection. */
export interface RedisThrottleStoreSettings {
  /**
   * When Redis cannot answer: `'fail-closed'` throws `ThrottleStoreError`, so no SMS is sent;
   * `'fail-open'` admits the attempt and reports the error to `onError`. Give one policy for every key, one
   * per OtpService budget (`{ global: 'fail-open' }`: scopes not named fail closed), or a function of the
   * key. Verification attempts (`otp:verify:…`) always fail closed: an open one would count no guesses.
   * @default 'fail-closed'
   */
  onStoreError?:
    | StoreFailurePolicy
    | Partial<Record<BudgetScope, StoreFailurePolicy>>
    | ((key: string) => StoreFailurePolicy)
  /** Each store error, whether the attempt was refused or admitted. */
  onError?: ((error: StoreError) => void) | undefined
}

/**
 * Exact sliding windows in Redis: one script call per decision, time from Redis, O(log n) in the events a
 * key holds. Events live in one sorted set per key, trimmed and expired with the longest window; a refusal
 * only reads.
 */
export class RedisThrottleStore implements ThrottleStore {
  readonly #redis: RedisConnection
  readonly #failsOpen: (key: string) => boolean
  readonly #onError: ((error: StoreError) => void) | undefined

  constructor(options: RedisThrottleStoreOptions) {
    this.#redis = new RedisConnection(options, ThrottleStoreError)
    this.#failsOpen = failsOpen(options.onStoreError)
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
      return this.#fail(key, error, { allowed: true, remaining: 0 })
    }
  }

  async refund(key: string, rules: readonly ThrottleRule[]): Promise<void> {
    try {
      if (rules.length > 0) await this.#redis.run(REFUND, [this.#events(key)], [])
    } catch (error) {
      this.#fail(key, error, undefined)
    }
  }

  async reset(key: string): Promise<void> {
    try {
      await this.#redis.del(this.#events(key))
    } catch (error) {
      this.#fail(key, error, undefined)
    }
  }

  close(): Promise<void> {
    return this.#redis.close()
  }

  /** One sorted set of event times per key: every rule of the key reads the same events. */
  #events(key: string): string {
    return this.#redis.key(key, 'events')
  }

  #fail<T>(key: string, error: unknown, openAnswer: T): T {
    const storeError =
      error instanceof StoreError ? error : new ThrottleStoreError(String(error), { cause: error })
    this.#onError?.(storeError)
    if (this.#failsOpen(key)) return openAnswer
    throw storeError
  }
}

const POLICIES: readonly StoreFailurePolicy[] = ['fail-closed', 'fail-open']

/** The store's policy as one check per key; wrong values are refused at construction, not at the outage. */
function failsOpen(policy: RedisThrottleStoreOptions['onStoreError']): (key: string) => boolean {
  const check = (value: unknown, where: string): boolean => {
    if (value === undefined || value === 'fail-closed') return false
    if (value === 'fail-open') return true
    throw new YunpianOptionsError('RedisThrottleStore', {
      option: where,
      allowed: `must be ${POLICIES.map((p) => `'${p}'`).join(' or ')}`,
      received: value,
    })
  }
  const verify = (key: string) => key.startsWith('otp:verify:')
  if (typeof policy === 'function') {
    return (key) => !verify(key) && check(policy(key), `onStoreError(${JSON.stringify(key)})`)
  }
  if (policy === undefined || typeof policy === 'string') {
    const open = check(policy, 'onStoreError')
    return (key) => open && !verify(key)
  }
  if (typeof policy !== 'object' || policy === null) check(policy, 'onStoreError')
  const open = new Set<string>()
  for (const [scope, value] of Object.entries(policy)) {
    if (scope === 'verify' || scope === 'yunpian' || scope.includes(':')) {
      throw new YunpianOptionsError('RedisThrottleStore', {
        option: `onStoreError.${scope}`,
        allowed:
          'is not a scope: name send budgets (number, client, prefix, country, global); verification attempts always fail closed',
      })
    }
    if (check(value, `onStoreError.${scope}`)) open.add(scope)
  }
  return (key) => {
    if (!key.startsWith('otp:send:')) return false
    const end = key.indexOf(':', 9)
    return open.has(end < 0 ? key.slice(9) : key.slice(9, end))
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

/**
 * Dedupe leases: a claim is `SET` of a random token with the lease as its expiry (one script call, atomic),
 * "done" overwrites it for the dedupe window, and a release deletes it only for the token's holder. Fails
 * closed: a store error answers the push for a retry.
 */
export class RedisDedupeStore implements DedupeStore {
  readonly #redis: RedisConnection

  constructor(options: RedisConnectionOptions) {
    this.#redis = new RedisConnection(options, DedupeStoreError)
  }

  async claim(id: string, leaseMs: number): Promise<DedupeClaim> {
    const token = leaseToken()
    const state = (await this.#redis.run(DEDUPE_CLAIM, [this.#key(id)], [token, leaseMs])) as string
    return state === 'claimed' ? { state, token } : { state: state === 'done' ? 'done' : 'busy' }
  }

  async complete(id: string, ttlMs: number): Promise<void> {
    await this.#redis.set(this.#key(id), '=done', ttlMs)
  }

  async release(id: string, token: string): Promise<void> {
    await this.#redis.run(DEDUPE_RELEASE, [this.#key(id)], [token])
  }

  close(): Promise<void> {
    return this.#redis.close()
  }

  #key(id: string): string {
    return this.#redis.key(id, 'seen')
  }
}
