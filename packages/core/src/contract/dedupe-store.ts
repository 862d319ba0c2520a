import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DedupeStore } from '../reports/dedupe.js'
import { clockOf, type HarnessFactory, type StoreHarness, uniqueKey } from './harness.js'

/** The semantics every `DedupeStore` shares: atomic first-seen claims, forget, expiry. */
export function describeDedupeStoreContract(name: string, create: HarnessFactory<DedupeStore>): void {
  describe(`DedupeStore contract: ${name}`, () => {
    let harness: StoreHarness<DedupeStore>
    let W: number
    let elapse: (ms: number) => Promise<void>
    beforeAll(async () => {
      harness = await create()
      ;({ windowMs: W, elapse } = clockOf(harness))
    })
    afterAll(async () => {
      await harness.close?.()
    })

    it('the first claim answers false, later ones true', async () => {
      const id = uniqueKey('first')
      expect(await harness.store.seen(id, W)).toBe(false)
      expect(await harness.store.seen(id, W)).toBe(true)
      expect(await harness.store.seen(uniqueKey('other'), W)).toBe(false)
    })

    it('of many concurrent claims, exactly one is first', async () => {
      const id = uniqueKey('race')
      const answers = await Promise.all(Array.from({ length: 50 }, () => harness.store.seen(id, W)))
      expect(answers.filter((seen) => !seen)).toHaveLength(1)
    })

    it('forget releases a claim', async () => {
      const id = uniqueKey('forget')
      await harness.store.seen(id, W)
      await harness.store.forget(id)
      expect(await harness.store.seen(id, W)).toBe(false)
    })

    it('a claim lasts ttlMs', async () => {
      const id = uniqueKey('ttl')
      await harness.store.seen(id, W / 2)
      await elapse(W / 2 + W / 10)
      expect(await harness.store.seen(id, W)).toBe(false)
    })
  })
}
