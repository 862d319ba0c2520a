/** Entries looked at per new key: more than one, so the sweep outpaces the keys it makes room for. */
export const SWEEP_PER_NEW_KEY = 2

/**
 * Deletes a map's expired entries a few per call, without timers. It resumes where the last call stopped
 * (a Map's iterator survives deletions and sees later insertions), so every key is looked at in turn,
 * however long-lived the keys in front of it are.
 */
export class Sweeper<V> {
  readonly #map: Map<string, V>
  readonly #expiresAt: (value: V) => number
  #cursor: MapIterator<[string, V]> | undefined

  constructor(map: Map<string, V>, expiresAt: (value: V) => number) {
    this.#map = map
    this.#expiresAt = expiresAt
  }

  /** Looks at up to `budget` entries. */
  some(now: number, budget: number): void {
    for (let examined = 0; examined < budget; examined++) {
      this.#cursor ??= this.#map.entries()
      const next = this.#cursor.next()
      if (next.done) {
        this.#cursor = undefined
        return
      }
      if (this.#expiresAt(next.value[1]) <= now) this.#map.delete(next.value[0])
    }
  }

  /**
   * Before a new key goes in: a few entries swept and, when the map holds `maxKeys`, every expired entry and
   * then the oldest, down to 1% below the cap, so the full sweep is paid once per batch of new keys.
   */
  makeRoom(now: number, maxKeys: number): void {
    this.some(now, SWEEP_PER_NEW_KEY)
    if (this.#map.size < maxKeys) return
    this.all(now)
    shedOldest(this.#map, this.#map.size - (maxKeys - Math.max(1, Math.floor(maxKeys / 100))))
  }

  /** Looks at every entry (when the map is full). */
  all(now: number): void {
    for (const [key, value] of this.#map) if (this.#expiresAt(value) <= now) this.#map.delete(key)
  }
}

/** Deletes up to `count` of a map's oldest entries (first inserted). */
export function shedOldest(map: Map<string, unknown>, count: number): void {
  let left = count
  for (const key of map.keys()) {
    if (left-- <= 0) return
    map.delete(key)
  }
}
