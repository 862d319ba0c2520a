import type { ThrottleRule, ThrottleStore } from '@yunpian-kit/core'
import { describe, expect, it } from 'vitest'
import { type HarnessFactory, uniqueKey, useHarness } from './harness.js'

/**
 * The semantics every `ThrottleStore` shares: exact sliding windows, one atomic decision over all rules,
 * refused attempts record nothing, refund and reset, no over-admission under concurrency.
 */
export function describeThrottleStoreContract(name: string, create: HarnessFactory<ThrottleStore>): void {
  describe(`ThrottleStore contract: ${name}`, () => {
    const h = useHarness(create)
    const rule = (name: string, limit: number, windowMs: number): ThrottleRule => ({ name, limit, windowMs })

    it('admits up to the limit, counts down remaining, then refuses with the rule and a wait', async () => {
      const key = uniqueKey('limit')
      const rules = [rule('three', 3, h.windowMs)]
      const decisions = []
      for (let i = 0; i < 4; i++) decisions.push(await h.store.consume(key, rules))
      expect(decisions.slice(0, 3)).toEqual([
        { allowed: true, remaining: 2 },
        { allowed: true, remaining: 1 },
        { allowed: true, remaining: 0 },
      ])
      const refused = decisions[3]!
      expect(refused).toMatchObject({ allowed: false, rule: 'three' })
      if (refused.allowed) throw new Error('unreachable')
      expect(refused.retryAfterMs).toBeGreaterThan(0)
      expect(refused.retryAfterMs).toBeLessThanOrEqual(h.windowMs)
    })

    it('is an exact sliding window: never more than limit in any span of windowMs', async () => {
      const key = uniqueKey('sliding')
      const rules = [rule('two', 2, h.windowMs)]
      expect((await h.store.consume(key, rules)).allowed).toBe(true) // t0
      await h.elapse(h.windowMs / 2)
      expect((await h.store.consume(key, rules)).allowed).toBe(true) // t0 + h.windowMs/2
      expect((await h.store.consume(key, rules)).allowed).toBe(false)
      await h.elapse(h.windowMs / 2 + h.windowMs / 10) // t0's event has left; the second has not
      expect((await h.store.consume(key, rules)).allowed).toBe(true)
      expect((await h.store.consume(key, rules)).allowed).toBe(false)
    })

    it('checks every rule before recording any: a refused attempt consumes nothing', async () => {
      const key = uniqueKey('atomic')
      const rules = [rule('tight', 1, h.windowMs), rule('loose', 3, h.windowMs * 100)]
      expect((await h.store.consume(key, rules)).allowed).toBe(true)
      for (let i = 0; i < 5; i++)
        expect(await h.store.consume(key, rules)).toMatchObject({ allowed: false, rule: 'tight' })
      await h.elapse(h.windowMs + h.windowMs / 10)
      expect((await h.store.consume(key, rules)).allowed).toBe(true)
      await h.elapse(h.windowMs + h.windowMs / 10)
      expect(await h.store.consume(key, rules)).toEqual({ allowed: true, remaining: 0 })
      await h.elapse(h.windowMs + h.windowMs / 10)
      expect(await h.store.consume(key, rules)).toMatchObject({ allowed: false, rule: 'loose' })
    })

    it('reports the longest wait when several rules refuse', async () => {
      const key = uniqueKey('longest')
      const rules = [rule('short', 1, h.windowMs), rule('long', 1, h.windowMs * 10)]
      await h.store.consume(key, rules)
      const refused = await h.store.consume(key, rules)
      expect(refused).toMatchObject({ allowed: false, rule: 'long' })
      if (refused.allowed) throw new Error('unreachable')
      expect(refused.retryAfterMs).toBeGreaterThan(h.windowMs)
    })

    it('refund gives back the last event', async () => {
      const key = uniqueKey('refund')
      const rules = [rule('one', 1, h.windowMs), rule('five', 5, h.windowMs * 10)]
      expect((await h.store.consume(key, rules)).allowed).toBe(true)
      expect((await h.store.consume(key, rules)).allowed).toBe(false)
      await h.store.refund(key, rules)
      expect(await h.store.consume(key, rules)).toEqual({ allowed: true, remaining: 0 })
      await h.store.refund(uniqueKey('nothing'), rules) // refunding an unknown key is harmless
    })

    it('reset forgets the key; other keys are untouched', async () => {
      const key = uniqueKey('reset')
      const other = uniqueKey('other')
      const rules = [rule('one', 1, h.windowMs)]
      await h.store.consume(key, rules)
      await h.store.consume(other, rules)
      await h.store.reset(key)
      expect((await h.store.consume(key, rules)).allowed).toBe(true)
      expect((await h.store.consume(other, rules)).allowed).toBe(false)
    })

    it('never over-admits under concurrency', async () => {
      const key = uniqueKey('concurrent')
      const rules = [rule('five', 5, h.windowMs * 10), rule('ten', 10, h.windowMs * 100)]
      const decisions = await Promise.all(Array.from({ length: 100 }, () => h.store.consume(key, rules)))
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5)
      const remaining = decisions.flatMap((d) => (d.allowed ? [d.remaining] : [])).sort()
      expect(remaining).toEqual([0, 1, 2, 3, 4])
    })
  })
}
