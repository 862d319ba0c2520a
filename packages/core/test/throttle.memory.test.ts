import { describe, expect, it } from 'vitest'
import { describeOtpStoreContract, describeThrottleStoreContract } from '../src/contract/index.js'
import { MemoryOtpStore, MemoryThrottleStore, ThrottleStoreError, YUNPIAN_RULES } from '../src/index.js'
import { manualClock } from './helpers.js'

describeThrottleStoreContract('MemoryThrottleStore', () => {
  const c = manualClock()
  return { store: new MemoryThrottleStore({ now: c.now }), advance: c.advance }
})

describeOtpStoreContract('MemoryOtpStore', () => {
  const c = manualClock()
  return { store: new MemoryOtpStore({ now: c.now }), advance: c.advance }
})

describe('MemoryThrottleStore memory bounds', () => {
  const rules = [{ name: 'one', limit: 1, windowMs: 1_000 }]

  it('sweeps expired keys without timers', async () => {
    const c = manualClock()
    const store = new MemoryThrottleStore({ now: c.now })
    for (let i = 0; i < 1_000; i++) await store.consume(`k${i}`, rules)
    expect(store.size).toBe(1_000)
    c.advance(1_001)
    for (let i = 0; i < 200; i++) await store.consume(`fresh${i}`, rules)
    expect(store.size).toBeLessThan(1_000)
  })

  it('when full, rejects new keys by default (fail closed), naming the way out', async () => {
    const store = new MemoryThrottleStore({ maxKeys: 3 })
    for (const k of ['a', 'b', 'c']) await store.consume(k, rules)
    await expect(store.consume('d', rules)).rejects.toThrow(ThrottleStoreError)
    await expect(store.consume('d', rules)).rejects.toThrow(/maxKeys.*redis/)
    expect((await store.consume('a', rules)).allowed).toBe(false) // existing keys keep working
  })

  it('when full with evict-oldest, drops the oldest key', async () => {
    const store = new MemoryThrottleStore({ maxKeys: 3, whenFull: 'evict-oldest' })
    for (const k of ['a', 'b', 'c']) await store.consume(k, rules)
    await store.consume('a', rules) // refused, but not a new key: a stays the oldest written
    await store.consume('d', rules)
    expect(store.size).toBe(3)
    expect((await store.consume('a', rules)).allowed).toBe(true) // a was evicted and forgotten
  })

  it('a refused attempt does not create a key', async () => {
    const store = new MemoryThrottleStore()
    await store.consume('x', [{ name: 'zero', limit: 1, windowMs: 1_000 }])
    const before = store.size
    await store.consume('x', rules)
    expect(store.size).toBe(before)
  })

  it('Yunpian presets match the protocol page', () => {
    expect(YUNPIAN_RULES.antiBombing.map((r) => [r.limit, r.windowMs])).toEqual([
      [1, 30_000],
      [3, 3_600_000],
      [10, 86_400_000],
    ])
    expect(YUNPIAN_RULES.antiHarassment.map((r) => [r.limit, r.windowMs])).toEqual([
      [1, 30_000],
      [3, 300_000],
    ])
  })
})
