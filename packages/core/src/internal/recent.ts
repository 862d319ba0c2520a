/**
 * Recent results by key, for work that requests repeat (parsing, hashing). When full it starts over: cheaper
 * than tracking age, and a cache may forget.
 */
export class Recent<V> {
  readonly #entries = new Map<string, V>()
  readonly #limit: number

  constructor(limit: number) {
    this.#limit = limit
  }

  get(key: string): V | undefined {
    return this.#entries.get(key)
  }

  set(key: string, value: V): V {
    if (this.#entries.size >= this.#limit) this.#entries.clear()
    this.#entries.set(key, value)
    return value
  }
}
