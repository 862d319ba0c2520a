/** What the fake can do wrong on purpose. */
export type FaultKind =
  | 'latency'
  | 'hang'
  | 'http-500'
  | 'http-502'
  | 'malformed-json'
  | 'reset-before-request'
  | 'reset-after-request'
  | 'system-busy'

export interface FaultOptions {
  /**
   * How many matching calls it hits.
   * @default 1, or `Infinity` when `ratio` is given (a lasting share)
   */
  times?: number
  /**
   * The share of matching calls it hits, 0 to 1.
   * @default 1 (every call until `times` run out)
   */
  ratio?: number
  /**
   * For `latency`: how long to wait before answering, in milliseconds.
   * @default 200
   */
  latencyMs?: number
  /**
   * Only calls to this endpoint, e.g. `sms/single_send`.
   * @default every endpoint
   */
  endpoint?: string
}

interface ArmedFault {
  kind: FaultKind
  left: number
  ratio: number
  latencyMs: number
  endpoint: string | undefined
}

export class Faults {
  #armed: ArmedFault[] = []
  readonly #random: () => number

  constructor(random: () => number) {
    this.#random = random
  }

  add(kind: FaultKind, options: FaultOptions = {}): void {
    const ratio = options.ratio ?? 1
    if (!(ratio > 0 && ratio <= 1)) throw new RangeError(`fault ratio must be in (0, 1], got ${ratio}`)
    this.#armed.push({
      kind,
      left: options.times ?? (options.ratio === undefined ? 1 : Number.POSITIVE_INFINITY),
      ratio,
      latencyMs: options.latencyMs ?? 200,
      endpoint: options.endpoint,
    })
  }

  clear(): void {
    this.#armed = []
  }

  /** The fault this call gets, if any; counts it down. */
  take(endpoint: string): { kind: FaultKind; latencyMs: number } | undefined {
    for (const fault of this.#armed) {
      if (fault.left <= 0 || (fault.endpoint !== undefined && fault.endpoint !== endpoint)) continue
      if (fault.ratio < 1 && this.#random() >= fault.ratio) continue
      fault.left--
      this.#armed = this.#armed.filter((f) => f.left > 0)
      return { kind: fault.kind, latencyMs: fault.latencyMs }
    }
    return undefined
  }
}

/** A small seeded generator (mulberry32), so runs with the same seed behave the same. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
