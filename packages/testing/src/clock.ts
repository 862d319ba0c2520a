/** The fake's clock: a base (real time by default, or a fixed start) plus whatever `advance` added. */
export class FakeClock {
  #offset = 0
  readonly #base: () => number

  constructor(now?: number | Date | (() => number)) {
    if (typeof now === 'function') this.#base = now
    else if (now === undefined) this.#base = Date.now
    else {
      const start = typeof now === 'number' ? now : now.getTime()
      this.#base = () => start
    }
  }

  now(): number {
    return this.#base() + this.#offset
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`advance(ms) takes a non-negative number, got ${ms}`)
    this.#offset += ms
  }
}

const CHINA_OFFSET_MS = 8 * 3600_000

export function chinaTime(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ')
}

export function parseChinaTime(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value)) return undefined
  const ms = Date.parse(`${value.replace(' ', 'T')}+08:00`)
  return Number.isNaN(ms) ? undefined : ms
}
