import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryOtpStore, MemoryThrottleStore, ThrottleStoreError, YUNPIAN_RULES } from '../src/index.js'
import { manualClock } from './helpers.js'

describe('MemoryThrottleStore decisions', () => {
  /** The definition, kept naively: every admitted event forever. */
  function reference(rules: { name: string; limit: number; windowMs: number }[]) {
    const events: number[] = []
    return {
      consume(now: number) {
        const waits = rules.flatMap((rule) => {
          const inWindow = events.filter((t) => t > now - rule.windowMs)
          return inWindow.length >= rule.limit
            ? [
                {
                  rule: rule.name,
                  retryAfterMs: inWindow[inWindow.length - rule.limit]! + rule.windowMs - now,
                },
              ]
            : []
        })
        if (waits.length > 0) {
          const longest = waits.reduce((a, b) => (b.retryAfterMs > a.retryAfterMs ? b : a))
          return { allowed: false, ...longest }
        }
        const remaining = Math.min(
          ...rules.map((r) => r.limit - events.filter((t) => t > now - r.windowMs).length - 1),
        )
        events.push(now)
        return { allowed: true, remaining }
      },
      refund: () => events.pop(),
    }
  }

  it('match the definition over long random runs (old events trimmed in batches change nothing)', async () => {
    const rules = [
      { name: 'short', limit: 5, windowMs: 1_000 },
      { name: 'long', limit: 40, windowMs: 10_000 },
    ]
    await fc.assert(
      fc.asyncProperty(
        // Minutes of steps, refunds one in twenty: the long rule is often full and old events pile up, so
        // the log is trimmed many times per run.
        fc.array(fc.tuple(fc.integer({ min: 0, max: 250 }), fc.integer({ min: 0, max: 19 })), {
          minLength: 500,
          maxLength: 1_500,
        }),
        async (steps) => {
          const c = manualClock()
          const store = new MemoryThrottleStore({ now: c.now })
          const model = reference(rules)
          for (const [advance, dice] of steps) {
            c.advance(advance)
            if (dice === 0) {
              await store.refund('k', rules)
              model.refund()
            } else {
              expect(await store.consume('k', rules)).toEqual(model.consume(c.now()))
            }
          }
        },
      ),
      { numRuns: 30 },
    )
  })
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

  it('sweeps expired keys that sit behind long-lived ones, and keeps up with new keys', async () => {
    const c = manualClock()
    const store = new MemoryThrottleStore({ now: c.now })
    const day = [{ name: 'day', limit: 1, windowMs: 86_400_000 }]
    for (let i = 0; i < 50; i++) await store.consume(`long${i}`, day)
    for (let i = 0; i < 1_000; i++) await store.consume(`short${i}`, rules)
    c.advance(1_001)
    // Each new key pays for the sweep (two entries), which outpaces them: within one and a half times the
    // map's size in new keys, every expired key has been looked at, wherever the sweep had stopped.
    for (let i = 0; i < 1_575; i++) await store.consume(`fresh${i}`, rules)
    expect(store.size).toBe(50 + 1_575)
  })

  it('when full with whenFull: reject, rejects new keys (fail closed), naming the way out', async () => {
    const store = new MemoryThrottleStore({ maxKeys: 3, whenFull: 'reject' })
    for (const k of ['a', 'b', 'c']) await store.consume(k, rules)
    await expect(store.consume('d', rules)).rejects.toThrow(ThrottleStoreError)
    await expect(store.consume('d', rules)).rejects.toThrow(/maxKeys.*redis/)
    expect((await store.consume('a', rules)).allowed).toBe(false) // existing keys keep working
  })

  it('when full, sheds by default: the oldest key goes, the new one is admitted', async () => {
    const store = new MemoryThrottleStore({ maxKeys: 3 })
    for (const k of ['a', 'b', 'c']) await store.consume(k, rules)
    await store.consume('a', rules) // refused, but not a new key: a stays the oldest written
    await store.consume('d', rules)
    expect(store.size).toBe(3)
    expect((await store.consume('a', rules)).allowed).toBe(true) // a was shed and forgotten
    expect((await store.consume('c', rules)).allowed).toBe(false) // c was kept
  })

  it('when full, sheds expired keys, then shedFirst keys, then the oldest', async () => {
    const c = manualClock()
    const store = new MemoryThrottleStore({ maxKeys: 100, now: c.now })
    const day = [{ name: 'day', limit: 1, windowMs: 86_400_000 }]
    for (let i = 0; i < 10; i++) await store.consume(`short${i}`, rules) // 1 s windows
    for (let i = 0; i < 40; i++) await store.consume(`real${i}`, day)
    for (let i = 0; i < 50; i++) await store.consume(`failure${i}`, day, { shedFirst: true })
    c.advance(1_001)
    // A flood of shedFirst keys takes the store past its cap many times over: it costs only such keys.
    for (let i = 0; i < 10_000; i++) await store.consume(`flood${i}`, day, { shedFirst: true })
    expect(store.size).toBeLessThanOrEqual(100)
    for (let i = 0; i < 40; i++) expect((await store.consume(`real${i}`, day)).allowed).toBe(false)
    // Real keys go only when nothing else is left, oldest first.
    for (let i = 0; i < 100; i++) await store.consume(`new-real${i}`, day)
    expect(store.size).toBeLessThanOrEqual(100)
    expect((await store.consume('real0', day)).allowed).toBe(true)
    expect((await store.consume('new-real99', day)).allowed).toBe(false)
  })

  it('a shedFirst key used without the mark is kept like the others', async () => {
    const store = new MemoryThrottleStore({ maxKeys: 2 })
    const day = [{ name: 'day', limit: 2, windowMs: 86_400_000 }]
    await store.consume('promoted', day, { shedFirst: true })
    await store.consume('promoted', day)
    await store.consume('failure', day, { shedFirst: true })
    await store.consume('newest', day) // full: the failure goes, not the older promoted key
    expect(store.size).toBe(2)
    expect((await store.consume('promoted', day)).allowed).toBe(false)
    expect((await store.consume('failure', day)).allowed).toBe(true)
  })

  it('a refund of the only event leaves no key behind', async () => {
    const store = new MemoryThrottleStore()
    const day = [{ name: 'day', limit: 5, windowMs: 86_400_000 }]
    await store.consume('once', day)
    await store.consume('flagged', day, { shedFirst: true })
    await store.consume('twice', day)
    await store.consume('twice', day)
    for (const k of ['once', 'flagged', 'twice']) await store.refund(k, day)
    expect(store.size).toBe(1)
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

describe('MemoryOtpStore memory bounds', () => {
  it('sweeps expired codes that sit behind long-lived ones, without timers', async () => {
    const c = manualClock()
    const store = new MemoryOtpStore({ now: c.now })
    const challenge = (ttlMs: number) => ({ digest: 'ab'.repeat(32), ttlMs, attempts: 5 })
    for (let i = 0; i < 50; i++) await store.set(`long${i}`, challenge(86_400_000))
    for (let i = 0; i < 1_000; i++) await store.set(`short${i}`, challenge(300_000))
    c.advance(300_001)
    for (let i = 0; i < 1_575; i++) await store.set(`fresh${i}`, challenge(300_000))
    expect(store.size).toBe(50 + 1_575)
  })

  it('when full, sheds expired codes, then the oldest (a replaced code counts as new); never refuses', async () => {
    const c = manualClock()
    const store = new MemoryOtpStore({ maxKeys: 3, now: c.now })
    const challenge = (digest: string, ttlMs = 300_000) => ({ digest, ttlMs, attempts: 5 })
    await store.set('short', challenge('aa', 1_000))
    await store.set('a', challenge('a1'))
    await store.set('b', challenge('b1'))
    c.advance(1_001)
    await store.set('c', challenge('c1')) // the expired code makes room
    await store.set('a', challenge('a2')) // a replaced code is the newest now
    await store.set('d', challenge('d1')) // full: the oldest, b, goes
    expect(store.size).toBe(3)
    expect(await store.verify('b', 'b1')).toBe('missing')
    for (const [key, digest] of [
      ['a', 'a2'],
      ['c', 'c1'],
      ['d', 'd1'],
    ])
      expect(await store.verify(key!, digest!)).toBe('verified')
  })
})
