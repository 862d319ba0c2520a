import { getCountries, getCountryCallingCode, isSupportedCountry } from 'libphonenumber-js/max'
import { z } from 'zod'
import {
  type ActiveBrake,
  type BrakePolicy,
  type BrakeStore,
  type CountryFigures,
  verifiedRatio,
} from '../brake/types.js'
import type { Expect, SameType } from '../internal/same-type.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** National digits after the country code that name a number's prefix (its operator block or area code). */
export const PREFIX_DIGITS = 3

/**
 * The brake's defaults; `docs/security.md` gives their arithmetic. A prefix brakes at 50 matured sends in an
 * hour with fewer than 5% verified, a country only at 300: real codes convert far above that.
 */
export const DEFAULT_BRAKE = {
  windowMs: HOUR,
  bucketMs: MINUTE,
  coolOffMs: HOUR,
  prefix: { minSends: 50, minVerifiedRatio: 0.05 },
  country: { minSends: 300, minVerifiedRatio: 0.05 },
} as const

const thresholds = (defaults: { minSends: number; minVerifiedRatio: number }) =>
  z
    .strictObject({
      minSends: z.number().int().min(1, 'must be at least 1').default(defaults.minSends),
      minVerifiedRatio: z
        .number()
        .min(0, 'must be 0 to 1')
        .max(1, 'must be 0 to 1')
        .default(defaults.minVerifiedRatio),
    })
    .default(defaults)

const COUNTRY_OR_PREFIX = /^(?:[A-Z]{2}|\+?\d{2,10})$/

/** Country calling codes, of countries and of the non-geographic services: a prefix pin starts with one. */
let callingCodes: ReadonlySet<string> | undefined

/** Why a `neverBrake` entry would pin nothing: an unknown country, or digits no prefix starts with. */
function pinProblem(pin: string): string | undefined {
  if (/^[A-Z]/.test(pin)) return isSupportedCountry(pin) ? undefined : 'is not an ISO country code'
  callingCodes ??= new Set([
    ...getCountries().map((country) => getCountryCallingCode(country)),
    ...['800', '808', '870', '878', '881', '882', '883', '888', '979'],
  ])
  const digits = pin.replace('+', '')
  const code = [1, 2, 3].map((n) => digits.slice(0, n)).find((c) => callingCodes!.has(c))
  if (!code) return 'does not start with a country calling code (as 44 in "44740")'
  const longest = code.length + PREFIX_DIGITS
  if (digits.length > longest)
    return `is longer than a prefix (country code and ${PREFIX_DIGITS} digits, "${digits.slice(0, longest)}"), so it would match none`
  return undefined
}

export const brakeOptionsSchema = z.union([
  z.literal(false),
  z
    .strictObject({
      windowMs: z.number().int().min(MINUTE, 'must be at least a minute').default(DEFAULT_BRAKE.windowMs),
      bucketMs: z.number().int().min(1_000, 'must be at least a second').default(DEFAULT_BRAKE.bucketMs),
      coolOffMs: z.number().int().min(1_000, 'must be at least a second').default(DEFAULT_BRAKE.coolOffMs),
      prefix: thresholds(DEFAULT_BRAKE.prefix),
      country: thresholds(DEFAULT_BRAKE.country),
      neverBrake: z
        .array(
          z
            .string()
            .regex(
              COUNTRY_OR_PREFIX,
              'must be an ISO country ("GB") or a number prefix: country code and first digits ("44740" or "+44740")',
            )
            .superRefine((pin, ctx) => {
              const problem = pinProblem(pin)
              if (problem) ctx.addIssue({ code: 'custom', message: problem })
            }),
        )
        .default([]),
    })
    .refine((o) => o.bucketMs <= o.windowMs, { path: ['bucketMs'], message: 'must not exceed windowMs' }),
])

/** When one scope (a prefix, or a country) brakes. */
export interface OtpBrakeThresholds {
  /**
   * Matured sends (not reported undelivered) in the window before this scope can brake.
   * @default 50 for a prefix, 300 for a country
   */
  minSends?: number | undefined
  /**
   * It brakes when fewer than this share of them verified (0 to 1).
   * @default 0.05
   */
  minVerifiedRatio?: number | undefined
}

/** The pumping brake's settings (`OtpService` option `brake`); every one has a default. */
export interface OtpBrakeOptions {
  /**
   * How far back matured sends are judged, in milliseconds (at least a minute).
   * @default 3600000 (an hour)
   */
  windowMs?: number | undefined
  /**
   * The counting bucket, in milliseconds (at least a second, at most `windowMs`).
   * @default 60000
   */
  bucketMs?: number | undefined
  /**
   * How long a pause lasts, in milliseconds (at least a second).
   * @default 3600000 (an hour)
   */
  coolOffMs?: number | undefined
  /**
   * When a number prefix brakes.
   * @default `{ minSends: 50, minVerifiedRatio: 0.05 }`
   */
  prefix?: OtpBrakeThresholds | undefined
  /**
   * When a whole country brakes.
   * @default `{ minSends: 300, minVerifiedRatio: 0.05 }`
   */
  country?: OtpBrakeThresholds | undefined
  /**
   * ISO countries (`"GB"`) or number prefixes (`"44740"`, `"+44740"`, or shorter to pin a wider range) that
   * never brake but are still counted; a pinned prefix keeps sending while its country is paused. A pin of no
   * known country, or longer than a prefix, is refused at start-up: it would pin nothing.
   * @default []
   */
  neverBrake?: string[] | undefined
}

// The interface is what editors show; the schema checks at run time. This fails to compile when they differ.
type _BrakeOptionsMatchSchema = Expect<SameType<OtpBrakeOptions | false, z.input<typeof brakeOptionsSchema>>>
type ResolvedBrake = Exclude<z.output<typeof brakeOptionsSchema>, false>

/** Conversion of one country or prefix over the brake's window. */
export interface OtpConversion {
  sent: number
  verified: number
  /** Reported by delivery reports given to `otp.report()`. */
  delivered: number
  undelivered: number
  /** verified / (sent − undelivered): a low ratio is the signature of SMS pumping. */
  ratio: number
}

export interface OtpCountryStats extends OtpConversion {
  /** By prefix (country calling code and first national digits, e.g. `44740`). */
  prefixes: Record<string, OtpConversion>
}

/** The app's handle on the brake: `otp.brakes`. */
export interface OtpBrakes {
  /** The pauses in force, in every instance sharing the store, with the figures that tripped each. */
  list(): Promise<ActiveBrake[]>
  /**
   * Lifts a pause now: a prefix (`'44740'`, in every country sharing that calling code), a country (`'GB'`),
   * or an entry of `list()` (that pause alone). Its evidence starts afresh. True when one was in force.
   */
  release(brake: string | { country: string; prefix?: string | undefined }): Promise<boolean>
}

/** The brake as the service runs it: its policy, pins and store. */
export class Brake {
  readonly policy: BrakePolicy
  readonly enabled: boolean
  readonly store: BrakeStore
  readonly #pinnedCountries: ReadonlySet<string>
  readonly #pinnedPrefixes: readonly string[]
  readonly #countries: readonly string[]
  readonly #now: () => number

  constructor(
    options: z.output<typeof brakeOptionsSchema>,
    store: BrakeStore,
    served: readonly string[] | 'all',
    ttlMs: number,
    now: () => number,
  ) {
    const o: ResolvedBrake =
      options === false ? (brakeOptionsSchema.parse({}) as ResolvedBrake) : (options as ResolvedBrake)
    this.enabled = options !== false
    this.store = store
    this.#now = now
    this.policy = {
      windowMs: o.windowMs,
      bucketMs: o.bucketMs,
      maturityMs: ttlMs,
      coolOffMs: o.coolOffMs,
      prefix: o.prefix,
      country: o.country,
    }
    this.#pinnedCountries = new Set(o.neverBrake.filter((p) => /^[A-Z]/.test(p)))
    this.#pinnedPrefixes = o.neverBrake.filter((p) => !/^[A-Z]/.test(p)).map((p) => p.replace('+', ''))
    this.#countries = served === 'all' ? [...getCountries(), 'unknown'] : served
  }

  /**
   * Scopes that count but never pause this send. A pinned prefix is not paused by its country either:
   * else a wave on the rest of the country would stop the range the app pinned.
   */
  pinned(country: string, prefix: string): { prefix: boolean; country: boolean } {
    if (!this.enabled || this.#pinnedCountries.has(country)) return { prefix: true, country: true }
    const pinned = this.#pinnedPrefixes.some((pin) => prefix.startsWith(pin))
    return { prefix: pinned, country: pinned }
  }

  readonly api: OtpBrakes = {
    list: () => this.store.list(this.#countries, this.#now()),
    release: async (brake) => {
      if (typeof brake !== 'string') return this.store.release(brake, this.#now())
      // Prefix digits may be paused in several countries sharing a calling code (+44: GB, GG, JE, IM):
      // release every pause they name, not just the first listed.
      const digits = brake.replace('+', '')
      const matches = (await this.api.list()).filter((b) =>
        b.scope === 'country' ? b.country === brake : b.prefix === digits,
      )
      const released = await Promise.all(matches.map((b) => this.store.release(b, this.#now())))
      return released.includes(true)
    },
  }

  async stats(): Promise<Record<string, OtpCountryStats>> {
    const figures = await this.store.figures(this.#countries, this.#now(), this.policy)
    return Object.fromEntries(figures.map((c) => [c.country, toStats(c)]))
  }
}

function toStats(c: CountryFigures): OtpCountryStats {
  const conversion = (f: Omit<OtpConversion, 'ratio'>): OtpConversion => ({
    sent: f.sent,
    verified: f.verified,
    delivered: f.delivered,
    undelivered: f.undelivered,
    ratio: verifiedRatio(f),
  })
  return {
    ...conversion(c),
    prefixes: Object.fromEntries(Object.entries(c.prefixes).map(([p, f]) => [p, conversion(f)])),
  }
}
