import {
  type ActiveBrake,
  type BrakeDecision,
  type BrakeFigures,
  type BrakePolicy,
  type BrakeScope,
  type BrakeSend,
  type BrakeStore,
  BrakeStoreError,
  type BrakeSubject,
  type CountryFigures,
  judgedBuckets,
  verifiedRatio,
} from '@yunpian-kit/core'
import {
  BRAKE_FIGURES,
  BRAKE_LIST,
  BRAKE_OUTCOME,
  BRAKE_PREFIXES,
  BRAKE_RELEASE,
  BRAKE_SEND,
} from './brake-scripts.js'
import { RedisConnection, type RedisConnectionOptions } from './connection.js'

/**
 * The pumping brake's counts and pauses in Redis, shared by every instance: one script per send (check the
 * pause, judge, count), standalone and Cluster alike, since a country's keys share one hash tag
 * (`ypk:{otp:brake:GB}:…`). Every key expires with the window. Fails closed: a send the brake cannot
 * judge is not sent (`BrakeStoreError`), as with the other stores.
 */
export class RedisBrakeStore implements BrakeStore {
  readonly #redis: RedisConnection

  constructor(options: RedisConnectionOptions) {
    this.#redis = new RedisConnection(options, BrakeStoreError)
  }

  async send(send: BrakeSend, policy: BrakePolicy): Promise<BrakeDecision> {
    const k = this.#keys(send.country)
    const reply = (await this.#redis.run(
      BRAKE_SEND,
      [k.country, k.prefix(send.prefix), k.pauses, k.sent(send.subject), k.prefixes],
      [
        ...windowArgs(send.now, policy),
        policy.coolOffMs,
        policy.prefix.minSends,
        policy.prefix.minVerifiedRatio,
        policy.country.minSends,
        policy.country.minVerifiedRatio,
        send.pinned.prefix ? 1 : 0,
        send.pinned.country ? 1 : 0,
        send.prefix,
        send.uid,
      ],
    )) as [number, string?, string?, number?]
    if (Number(reply[0]) === 1) return { allowed: true }
    const scope = reply[1] as BrakeScope
    return {
      allowed: false,
      brake: toBrake(send.country, scope === 'prefix' ? `p:${send.prefix}` : 'c', reply[2]!),
      tripped: Number(reply[3]) === 1,
    }
  }

  async unsend(send: BrakeSubject & { uid: string }, policy: BrakePolicy): Promise<void> {
    await this.#outcome(send, policy, 'unsend', send.uid)
  }

  async verified(subject: BrakeSubject, policy: BrakePolicy): Promise<void> {
    await this.#outcome(subject, policy, 'verified', '')
  }

  async status(
    report: BrakeSubject & { uid: string; delivered: boolean },
    policy: BrakePolicy,
  ): Promise<void> {
    await this.#outcome(report, policy, report.delivered ? 'delivered' : 'undelivered', report.uid)
  }

  async list(countries: readonly string[], now: number): Promise<ActiveBrake[]> {
    const lists = await Promise.all(
      countries.map(async (country) => {
        const rows = (await this.#redis.run(BRAKE_LIST, [this.#keys(country).pauses], [now])) as string[]
        const brakes: ActiveBrake[] = []
        for (let i = 0; i < rows.length; i += 2) brakes.push(toBrake(country, rows[i]!, rows[i + 1]!))
        return brakes
      }),
    )
    return lists.flat()
  }

  async release(brake: { country: string; prefix?: string | undefined }, now: number): Promise<boolean> {
    const k = this.#keys(brake.country)
    const [field, counters] =
      brake.prefix === undefined ? ['c', k.country] : [`p:${brake.prefix}`, k.prefix(brake.prefix)]
    return (await this.#redis.run(BRAKE_RELEASE, [k.pauses, counters], [field, now])) === 1
  }

  async figures(countries: readonly string[], now: number, policy: BrakePolicy): Promise<CountryFigures[]> {
    const { lo } = judgedBuckets(now, policy)
    const since = lo * policy.bucketMs
    const all = await Promise.all(
      countries.map(async (country): Promise<CountryFigures | undefined> => {
        const k = this.#keys(country)
        const prefixes = (await this.#redis.run(BRAKE_PREFIXES, [k.prefixes], [since])) as string[]
        if (prefixes.length === 0) return undefined
        const sums = (await this.#redis.run(
          BRAKE_FIGURES,
          [k.country, ...prefixes.map((p) => k.prefix(p))],
          [lo],
        )) as number[][]
        const [total, ...each] = sums.map(toFigures)
        if (!total || total.sent <= 0) return undefined
        const byPrefix: Record<string, BrakeFigures> = {}
        prefixes.forEach((p, i) => {
          if (each[i]!.sent > 0) byPrefix[p] = each[i]!
        })
        return { country, ...total, prefixes: byPrefix }
      }),
    )
    return all.filter((c): c is CountryFigures => c !== undefined)
  }

  close(): Promise<void> {
    return this.#redis.close()
  }

  async #outcome(
    subject: BrakeSubject,
    policy: BrakePolicy,
    what: 'verified' | 'delivered' | 'undelivered' | 'unsend',
    uid: string,
  ): Promise<void> {
    const k = this.#keys(subject.country)
    await this.#redis.run(
      BRAKE_OUTCOME,
      [k.sent(subject.subject), k.country, k.prefix(subject.prefix)],
      [...windowArgs(subject.now, policy), what, uid],
    )
  }

  /** Every key of a country under one hash tag: one Cluster slot. */
  #keys(country: string) {
    const tag = `otp:brake:${country}`
    return {
      country: this.#redis.key(tag, 'c'),
      prefix: (prefix: string) => this.#redis.key(tag, `p:${prefix}`),
      pauses: this.#redis.key(tag, 'paused'),
      sent: (subject: string) => this.#redis.key(tag, `m:${subject}`),
      prefixes: this.#redis.key(tag, 'prefixes'),
    }
  }
}

function windowArgs(now: number, policy: BrakePolicy): number[] {
  return [now, policy.bucketMs, policy.windowMs, policy.maturityMs]
}

function toFigures(sums: number[]): BrakeFigures {
  const [sent = 0, verified = 0, delivered = 0, undelivered = 0] = sums.map(Number)
  return { sent, verified, delivered, undelivered }
}

/** A pause as stored: field `c` or `p:<prefix>`, value `until|since|sent|verified|delivered|undelivered`. */
function toBrake(country: string, field: string, pause: string): ActiveBrake {
  const [until = 0, since = 0, ...counts] = pause.split('|').map(Number)
  const figures = toFigures(counts)
  return {
    scope: field === 'c' ? 'country' : 'prefix',
    country,
    ...(field === 'c' ? {} : { prefix: field.slice(2) }),
    since,
    until,
    figures: { ...figures, ratio: verifiedRatio(figures) },
  }
}
