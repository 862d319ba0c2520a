import { describe, expect, it } from 'vitest'
import type { DedupeStore } from '../reports/dedupe.js'
import { type HarnessFactory, uniqueKey, useHarness } from './harness.js'

/** The semantics every `DedupeStore` shares: atomic first-seen claims, forget, expiry. */
export function describeDedupeStoreContract(name: string, create: HarnessFactory<DedupeStore>): void {
  describe(`DedupeStore contract: ${name}`, () => {
    const h = useHarness(create)

    it('the first claim answers false, later ones true', async () => {
      const id = uniqueKey('first')
      expect(await h.store.seen(id, h.windowMs)).toBe(false)
      expect(await h.store.seen(id, h.windowMs)).toBe(true)
      expect(await h.store.seen(uniqueKey('other'), h.windowMs)).toBe(false)
    })

    it('of many concurrent claims, exactly one is first', async () => {
      const id = uniqueKey('race')
      const answers = await Promise.all(Array.from({ length: 50 }, () => h.store.seen(id, h.windowMs)))
      expect(answers.filter((seen) => !seen)).toHaveLength(1)
    })

    it('forget releases a claim', async () => {
      const id = uniqueKey('forget')
      await h.store.seen(id, h.windowMs)
      await h.store.forget(id)
      expect(await h.store.seen(id, h.windowMs)).toBe(false)
    })

    it('a claim lasts ttlMs', async () => {
      const id = uniqueKey('ttl')
      await h.store.seen(id, h.windowMs / 2)
      await h.elapse(h.windowMs / 2 + h.windowMs / 10)
      expect(await h.store.seen(id, h.windowMs)).toBe(false)
    })
  })
}
