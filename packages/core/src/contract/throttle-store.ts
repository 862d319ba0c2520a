import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ThrottleRule, ThrottleStore } from '../throttling/types.js'
import { clockOf, type HarnessFactory, type StoreHarness, uniqueKey } from './harness.js'

/**
 * The semantics every `ThrottleStore` shares: exact sliding windows, one atomic decision over all rules,
 * refused attempts record nothing, refund and reset, no over-admission under concurrency.
 */
export function describeThrottleStoreContract(name: string, create: HarnessFactory<ThrottleStore>): void {
  describe(`ThrottleStore contract: ${name}`, () => {
    let harness: StoreHarness<ThrottleStore>
    let W: number
    let elapse: (ms: number) => Promise<void>
    beforeAll(async () => {
      harness = await create()
      ;({ windowMs: W, elapse } = clockOf(harness))
    })
    afterAll(async () => {
      await harness.close?.()
    })
    const rule = (name: string, limit: number, windowMs: number): ThrottleRule => ({ name, limit, windowMs })

    it('admits up to the limit, counts down remaining, then refuses with the rule and a wait', async () => {
      const key = uniqueKey('limit')
      const rules = [rule('three', 3, W)]
      const decisions = []
      for (let i = 0; i < 4; i++) decisions.push(await harness.store.consume(key, rules))
      expect(decisions.slice(0, 3)).toEqual([
        { allowed: true, remaining: 2 },
        { allowed: true, remaining: 1 },
        { allowed: true, remaining: 0 },
      ])
      const refused = decisions[3]!
      expect(refused).toMatchObject({ allowed: false, rule: 'three' })
      if (refused.allowed) throw new Error('unreachable')
      expect(refused.retryAfterMs).toBeGreaterThan(0)
      expect(refused.retryAfterMs).toBeLessThanOrEqual(W)
    })

    it('is an exact sliding window: never more than limit in any span of windowMs', async () => {
      const key = uniqueKey('sliding')
      const rules = [rule('two', 2, W)]
      expect((await harness.store.consume(key, rules)).allowed).toBe(true) // t0
      await elapse(W / 2)
      expect((await harness.store.consume(key, rules)).allowed).toBe(true) // t0 + W/2
      expect((await harness.store.consume(key, rules)).allowed).toBe(false)
      await elapse(W / 2 + W / 10) // t0's event has left; the second has not
      expect((await harness.store.consume(key, rules)).allowed).toBe(true)
      expect((await harness.store.consume(key, rules)).allowed).toBe(false)
    })

    it('checks every rule before recording any: a refused attempt consumes nothing', async () => {
      const key = uniqueKey('atomic')
      const rules = [rule('tight', 1, W), rule('loose', 3, W * 100)]
      expect((await harness.store.consume(key, rules)).allowed).toBe(true)
      for (let i = 0; i < 5; i++)
        expect(await harness.store.consume(key, rules)).toMatchObject({ allowed: false, rule: 'tight' })
      await elapse(W + W / 10)
      expect((await harness.store.consume(key, rules)).allowed).toBe(true)
      await elapse(W + W / 10)
      expect(await harness.store.consume(key, rules)).toEqual({ allowed: true, remaining: 0 })
      await elapse(W + W / 10)
      expect(await harness.store.consume(key, rules)).toMatchObject({ allowed: false, rule: 'loose' })
    })

    it('reports the longest wait when several rules refuse', async () => {
      const key = uniqueKey('longest')
      const rules = [rule('short', 1, W), rule('long', 1, W * 10)]
      await harness.store.consume(key, rules)
      const refused = await harness.store.consume(key, rules)
      expect(refused).toMatchObject({ allowed: false, rule: 'long' })
      if (refused.allowed) throw new Error('unreachable')
      expect(refused.retryAfterMs).toBeGreaterThan(W)
    })

    it('refund gives back the last event', async () => {
      const key = uniqueKey('refund')
      const rules = [rule('one', 1, W), rule('five', 5, W * 10)]
      expect((await harness.store.consume(key, rules)).allowed).toBe(true)
      expect((await harness.store.consume(key, rules)).allowed).toBe(false)
      await harness.store.refund(key, rules)
      expect(await harness.store.consume(key, rules)).toEqual({ allowed: true, remaining: 0 })
      await harness.store.refund(uniqueKey('nothing'), rules) // refunding an unknown key is harmless
    })

    it('reset forgets the key; other keys are untouched', async () => {
      const key = uniqueKey('reset')
      const other = uniqueKey('other')
      const rules = [rule('one', 1, W)]
      await harness.store.consume(key, rules)
      await harness.store.consume(other, rules)
      await harness.store.reset(key)
      expect((await harness.store.consume(key, rules)).allowed).toBe(true)
      expect((await harness.store.consume(other, rules)).allowed).toBe(false)
    })

    it('never over-admits under concurrency', async () => {
      const key = uniqueKey('concurrent')
      const rules = [rule('five', 5, W * 10), rule('ten', 10, W * 100)]
      const decisions = await Promise.all(
        Array.from({ length: 100 }, () => harness.store.consume(key, rules)),
      )
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5)
      const remaining = decisions.flatMap((d) => (d.allowed ? [d.remaining] : [])).sort()
      expect(remaining).toEqual([0, 1, 2, 3, 4])
    })
  })
}
