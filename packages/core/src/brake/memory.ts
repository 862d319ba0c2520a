import { YunpianOptionsError } from '../errors.js'
import { Sweeper, shedOldest } from '../internal/sweeper.js'
import {
  type ActiveBrake,
  type BrakeDecision,
  type BrakeFigures,
  type BrakePolicy,
  type BrakeSend,
  type BrakeStore,
  type BrakeSubject,
  bucketOf,
  type CountryFigures,
  judgedBuckets,
  trips,
  verifiedRatio,
} from './types.js'

/** What `new MemoryBrakeStore(options)` takes. */
export interface MemoryBrakeStoreOptions {
  /**
   * Most numbers whose sends are remembered (for their verify or report; up to 8 each) and, apart, most
   * prefixes counted. Past it the oldest go first: a flood to many prefixes or numbers never grows the store.
   * A forgotten send can no longer be verified or reported; the send budgets keep real traffic far below it.
   * @default 100000 each
   */
  maxKeys?: number | undefined
}

/** One scope's counts per bucket. */
type Buckets = Map<number, BrakeFigures>

interface Remembered {
  bucket: number
  uid: string
  /** `undefined`: no report yet. */
  delivered: boolean | undefined
}

/** A number's sends still in the window, newest last: a resend must not lose the report of the code before. */
interface RememberedSends {
  sends: Remembered[]
  expiresAt: number
}

/** Sends remembered per number (the default per-number budget allows 3 an hour). */
const SENDS_PER_NUMBER = 8

/**
 * The brake's counts in process memory: one instance (or tests). Synchronous inside, so each step is atomic.
 * Time is the caller's (`now` of each call), as the service's clock gives it.
 */
export class MemoryBrakeStore implements BrakeStore {
  /** `country` or `country|prefix`: counts by bucket. */
  readonly #scopes = new Map<string, Buckets>()
  /** `country|subject`: the sends to a number. */
  readonly #sends = new Map<string, RememberedSends>()
  readonly #sweeper = new Sweeper(this.#sends, (s) => s.expiresAt)
  /** `country` or `country|prefix`: active pauses. */
  readonly #pauses = new Map<string, ActiveBrake>()
  readonly #maxKeys: number

  constructor(options: MemoryBrakeStoreOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000
    if (!Number.isInteger(this.#maxKeys) || this.#maxKeys < 1)
      throw new YunpianOptionsError('MemoryBrakeStore', {
        option: 'maxKeys',
        allowed: 'must be a positive whole number',
        received: options.maxKeys,
      })
  }

  /** Entries held: sends remembered, scopes counted and pauses. */
  get size(): number {
    return this.#sends.size + this.#scopes.size + this.#pauses.size
  }

  async send(send: BrakeSend, policy: BrakePolicy): Promise<BrakeDecision> {
    const { now, country, prefix } = send
    const prefixKey = `${country}|${prefix}`
    for (const [key, pinned] of [
      [prefixKey, send.pinned.prefix],
      [country, send.pinned.country],
    ] as const) {
      if (pinned) continue
      const pause = this.#pauses.get(key)
      if (pause && pause.until > now) return { allowed: false, brake: pause, tripped: false }
      if (pause) this.#pauses.delete(key)
    }
    const judged = judgedBuckets(now, policy)
    const judge = (key: string, pinned: boolean, scope: 'prefix' | 'country'): ActiveBrake | undefined => {
      const buckets = this.#scopes.get(key)
      if (!buckets) return undefined
      const figures = sum(buckets, judged.lo, judged.hi, true)
      if (pinned || !trips(figures, policy[scope])) return undefined
      const brake: ActiveBrake = {
        scope,
        country,
        ...(scope === 'prefix' ? { prefix } : {}),
        since: now,
        until: now + policy.coolOffMs,
        figures: { ...figures, ratio: verifiedRatio(figures) },
      }
      // Evidence starts afresh: after the cool-off only new sends count.
      this.#scopes.delete(key)
      this.#pauses.set(key, brake)
      return brake
    }
    const tripped =
      judge(prefixKey, send.pinned.prefix, 'prefix') ?? judge(country, send.pinned.country, 'country')
    if (tripped) return { allowed: false, brake: tripped, tripped: true }

    const bucket = bucketOf(now, policy)
    this.#add(prefixKey, bucket, 'sent', 1)
    this.#add(country, bucket, 'sent', 1)
    const sendKey = `${country}|${send.subject}`
    const before = this.#sends.get(sendKey)
    if (!this.#sends.delete(sendKey)) {
      this.#sweeper.makeRoom(now, this.#maxKeys)
    }
    // Older sends stay for their reports while their buckets are in the window.
    const sends = (before?.expiresAt ?? 0) > now ? before!.sends.filter((s) => s.bucket >= judged.lo) : []
    sends.push({ bucket, uid: send.uid, delivered: undefined })
    this.#sends.set(sendKey, {
      sends: sends.slice(-SENDS_PER_NUMBER),
      expiresAt: now + policy.windowMs + policy.maturityMs,
    })
    return { allowed: true }
  }

  async unsend(send: BrakeSubject & { uid: string }, policy: BrakePolicy): Promise<void> {
    const remembered = this.#take(send, (sends) => sends.findIndex((s) => s.uid === send.uid))
    if (remembered) this.#count(send, remembered.bucket, 'sent', -1, policy)
  }

  async verified(subject: BrakeSubject, policy: BrakePolicy): Promise<void> {
    // The newest send: each verify takes one, so verifies never outnumber sends.
    const remembered = this.#take(subject, (sends) => sends.length - 1)
    if (!remembered) return
    this.#count(subject, remembered.bucket, 'verified', 1, policy)
    // It reached the phone after all: the report was wrong, and the send is evidence again.
    if (remembered.delivered === false) this.#count(subject, remembered.bucket, 'undelivered', -1, policy)
  }

  async status(
    report: BrakeSubject & { uid: string; delivered: boolean },
    policy: BrakePolicy,
  ): Promise<void> {
    const remembered = this.#sends
      .get(`${report.country}|${report.subject}`)
      ?.sends.find((s) => s.uid === report.uid)
    if (!remembered || remembered.delivered !== undefined) return
    remembered.delivered = report.delivered
    this.#count(report, remembered.bucket, report.delivered ? 'delivered' : 'undelivered', 1, policy)
  }

  async list(_countries: readonly string[], now: number): Promise<ActiveBrake[]> {
    const active: ActiveBrake[] = []
    for (const [key, pause] of this.#pauses) {
      if (pause.until > now) active.push(pause)
      else this.#pauses.delete(key)
    }
    return active
  }

  async release(brake: { country: string; prefix?: string | undefined }, now: number): Promise<boolean> {
    const key = brake.prefix === undefined ? brake.country : `${brake.country}|${brake.prefix}`
    const pause = this.#pauses.get(key)
    this.#pauses.delete(key)
    this.#scopes.delete(key)
    return pause !== undefined && pause.until > now
  }

  async figures(_countries: readonly string[], now: number, policy: BrakePolicy): Promise<CountryFigures[]> {
    const { lo } = judgedBuckets(now, policy)
    const byCountry = new Map<string, CountryFigures>()
    const of = (country: string) => {
      let figures = byCountry.get(country)
      if (!figures) {
        figures = { country, ...zero(), prefixes: {} }
        byCountry.set(country, figures)
      }
      return figures
    }
    for (const [key, buckets] of this.#scopes) {
      const figures = sum(buckets, lo, Number.POSITIVE_INFINITY, false)
      const bar = key.indexOf('|')
      if (bar < 0) Object.assign(of(key), figures)
      else if (figures.sent > 0) of(key.slice(0, bar)).prefixes[key.slice(bar + 1)] = figures
    }
    return [...byCountry.values()].filter((c) => c.sent > 0)
  }

  /** Removes and returns the remembered send at `which` of a number's (none once they expired). */
  #take(subject: BrakeSubject, which: (sends: Remembered[]) => number): Remembered | undefined {
    const sendKey = `${subject.country}|${subject.subject}`
    const remembered = this.#sends.get(sendKey)
    if (!remembered || remembered.expiresAt <= subject.now) return undefined
    const index = which(remembered.sends)
    if (index < 0) return undefined
    const [taken] = remembered.sends.splice(index, 1)
    if (remembered.sends.length === 0) this.#sends.delete(sendKey)
    return taken
  }

  /** Counts in the country and prefix of `subject`, in a bucket still inside the window. */
  #count(
    subject: BrakeSubject,
    bucket: number,
    field: keyof BrakeFigures,
    by: number,
    policy: BrakePolicy,
  ): void {
    if (bucket < judgedBuckets(subject.now, policy).lo) return
    this.#add(`${subject.country}|${subject.prefix}`, bucket, field, by)
    this.#add(subject.country, bucket, field, by)
  }

  #add(key: string, bucket: number, field: keyof BrakeFigures, by: number): void {
    let buckets = this.#scopes.get(key)
    if (!buckets) {
      // Scopes are few (countries and prefixes in use); past the cap the least recently counted go.
      if (this.#scopes.size >= this.#maxKeys)
        shedOldest(this.#scopes, Math.max(1, Math.floor(this.#maxKeys / 100)))
      buckets = new Map()
    } else this.#scopes.delete(key)
    // Reinserted on every write: the map's order is least recently counted first.
    this.#scopes.set(key, buckets)
    let figures = buckets.get(bucket)
    if (!figures) {
      // Buckets that left the window are pruned when the scope is next judged (every send to it).
      figures = zero()
      buckets.set(bucket, figures)
    }
    figures[field] += by
  }
}

function zero(): BrakeFigures {
  return { sent: 0, verified: 0, delivered: 0, undelivered: 0 }
}

/** The figures of buckets `lo` to `hi`; `prune` deletes the ones before `lo`. */
function sum(buckets: Buckets, lo: number, hi: number, prune: boolean): BrakeFigures {
  const total = zero()
  for (const [bucket, figures] of buckets) {
    if (bucket < lo) {
      if (prune) buckets.delete(bucket)
      continue
    }
    if (bucket > hi) continue
    total.sent += figures.sent
    total.verified += figures.verified
    total.delivered += figures.delivered
    total.undelivered += figures.undelivered
  }
  return total
}
