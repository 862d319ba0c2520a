/** What a brake pauses: one number prefix, or a whole country. */
export type BrakeScope = 'prefix' | 'country'

/** Codes sent, and what became of them: verified, or reported delivered or undelivered. */
export interface BrakeFigures {
  sent: number
  verified: number
  delivered: number
  undelivered: number
}

/** When a scope brakes: enough evidence (matured sends not reported undelivered), too few of them verified. */
export interface BrakeThresholds {
  minSends: number
  minVerifiedRatio: number
}

/**
 * How a store judges, from the service's options (one object per service). Times are the service's clock
 * (`now`), so every instance and a test's moved clock agree with the buckets they write.
 */
export interface BrakePolicy {
  /** The sliding window of matured sends judged. */
  windowMs: number
  /** Sends are counted in buckets this wide; a bucket is judged once all its codes have expired. */
  bucketMs: number
  /** The code lifetime (`ttlMs`): a send is evidence only once its code can no longer be verified. */
  maturityMs: number
  coolOffMs: number
  prefix: BrakeThresholds
  country: BrakeThresholds
}

export interface BrakeSend {
  /** ISO country, or `unknown`: every key of a country (and its prefixes) shares one Redis Cluster slot. */
  country: string
  /** Country calling code and the first national digits, e.g. `44740`. */
  prefix: string
  /** The number's HMAC: where a verify or report finds the send it belongs to. */
  subject: string
  /** The send's `uid` (what Yunpian's reports carry back). */
  uid: string
  now: number
  /** Scopes counted but neither tripped nor refused by a pause for this send (`neverBrake`, or `brake: false`). */
  pinned: { prefix: boolean; country: boolean }
}

/** An active pause, with the matured figures that tripped it. */
export interface ActiveBrake {
  scope: BrakeScope
  country: string
  /** For a prefix brake. */
  prefix?: string
  /** When it tripped and when it releases (epoch ms, the service's clock). */
  since: number
  until: number
  figures: BrakeFigures & { ratio: number }
}

export type BrakeDecision =
  | { allowed: true }
  /** `tripped`: this very send tipped the figures over (the brake is new). */
  | { allowed: false; brake: ActiveBrake; tripped: boolean }

/** Figures for one country over the window (matured and pending sends alike), with each prefix's. */
export interface CountryFigures extends BrakeFigures {
  country: string
  prefixes: Record<string, BrakeFigures>
}

/** Who a verify or delivery report is about: the send remembered for `subject`. */
export interface BrakeSubject {
  country: string
  prefix: string
  subject: string
  now: number
}

/**
 * Where the brake counts sends, verifies and delivery reports, and keeps its pauses: shared by every
 * instance (`RedisBrakeStore`) or in memory (`MemoryBrakeStore`). `send` is one atomic step: refuse when
 * the prefix or country is paused, else judge the matured figures (prefix first), trip a pause or count
 * the send.
 */
export interface BrakeStore {
  send(send: BrakeSend, policy: BrakePolicy): Promise<BrakeDecision>
  /** Yunpian refused the send `uid`: it never happened, so it is not counted. */
  unsend(send: BrakeSubject & { uid: string }, policy: BrakePolicy): Promise<void>
  /** The last code sent to `subject` verified: counted in its send's bucket. */
  verified(subject: BrakeSubject, policy: BrakePolicy): Promise<void>
  /** A delivery report for the send `uid` to `subject`: counted in its send's bucket, once. */
  status(subject: BrakeSubject & { uid: string; delivered: boolean }, policy: BrakePolicy): Promise<void>
  /** Active pauses in these countries. */
  list(countries: readonly string[], now: number): Promise<ActiveBrake[]>
  /** Ends a pause now, and starts its evidence afresh. True when there was one. */
  release(brake: { country: string; prefix?: string | undefined }, now: number): Promise<boolean>
  /** Figures per country (those with any) over the policy's window. */
  figures(countries: readonly string[], now: number, policy: BrakePolicy): Promise<CountryFigures[]>
}

/** The bucket a time falls in. */
export function bucketOf(time: number, policy: BrakePolicy): number {
  return Math.floor(time / policy.bucketMs)
}

/**
 * The buckets judged at `now`: the newest whose codes have all expired (`hi`), back over the window (`lo`).
 * Buckets before `lo` are history; after `hi`, still pending.
 */
export function judgedBuckets(now: number, policy: BrakePolicy): { lo: number; hi: number } {
  const hi = Math.floor((now - policy.maturityMs) / policy.bucketMs) - 1
  return { lo: hi - Math.ceil(policy.windowMs / policy.bucketMs) + 1, hi }
}

/** Whether matured figures trip a brake: enough evidence, too few verified. */
export function trips(figures: BrakeFigures, thresholds: BrakeThresholds): boolean {
  const evidence = figures.sent - figures.undelivered
  return evidence >= thresholds.minSends && figures.verified < thresholds.minVerifiedRatio * evidence
}

/** Verified per send that was not reported undelivered. */
export function verifiedRatio(figures: BrakeFigures): number {
  const evidence = figures.sent - figures.undelivered
  return evidence <= 0 ? 0 : figures.verified / evidence
}
