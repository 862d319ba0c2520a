import type { DedupeClaim, DedupeStore } from '@yunpian-kit/core'
import { describe, expect, it } from 'vitest'
import { type HarnessFactory, uniqueKey, useHarness } from './harness.js'

function tokenOf(claim: DedupeClaim): string {
  if (claim.state !== 'claimed') throw new Error(`expected a claim, got ${claim.state}`)
  return claim.token
}

/**
 * The semantics every `DedupeStore` shares: a claim is an atomic lease, "done" only once completed; a
 * released or lapsed lease lets the next claim through; only the holder's token releases it.
 */
export function describeDedupeStoreContract(name: string, create: HarnessFactory<DedupeStore>): void {
  describe(`DedupeStore contract: ${name}`, () => {
    const h = useHarness(create)

    it('the first claim holds a lease; while it runs others are busy, once completed they are done', async () => {
      const id = uniqueKey('first')
      const first = await h.store.claim(id, h.windowMs)
      expect(first).toEqual({ state: 'claimed', token: expect.any(String) })
      expect(await h.store.claim(id, h.windowMs)).toEqual({ state: 'busy' })
      await h.store.complete(id, h.windowMs)
      expect(await h.store.claim(id, h.windowMs)).toEqual({ state: 'done' })
      expect((await h.store.claim(uniqueKey('other'), h.windowMs)).state).toBe('claimed')
    })

    it('of many concurrent claims, exactly one holds the lease', async () => {
      const id = uniqueKey('race')
      const claims = await Promise.all(Array.from({ length: 50 }, () => h.store.claim(id, h.windowMs)))
      expect(claims.filter((c) => c.state === 'claimed')).toHaveLength(1)
      expect(claims.filter((c) => c.state === 'busy')).toHaveLength(49)
    })

    it('a released lease lets the retry claim it', async () => {
      const id = uniqueKey('release')
      await h.store.release(id, tokenOf(await h.store.claim(id, h.windowMs)))
      expect((await h.store.claim(id, h.windowMs)).state).toBe('claimed')
    })

    it('only the lease holder releases it; a stale token changes nothing', async () => {
      const id = uniqueKey('token')
      const stale = tokenOf(await h.store.claim(id, h.windowMs / 2))
      await h.elapse(h.windowMs / 2 + h.windowMs / 10)
      const current = tokenOf(await h.store.claim(id, h.windowMs))
      expect(current).not.toBe(stale)
      await h.store.release(id, stale)
      expect(await h.store.claim(id, h.windowMs)).toEqual({ state: 'busy' })
      await h.store.complete(id, h.windowMs)
      await h.store.release(id, current)
      expect(await h.store.claim(id, h.windowMs)).toEqual({ state: 'done' })
    })

    it('a lease nobody completes lapses after leaseMs', async () => {
      const id = uniqueKey('lease')
      await h.store.claim(id, h.windowMs / 2)
      await h.elapse(h.windowMs / 2 + h.windowMs / 10)
      expect((await h.store.claim(id, h.windowMs)).state).toBe('claimed')
    })

    it('"done" lasts ttlMs', async () => {
      const id = uniqueKey('ttl')
      await h.store.claim(id, h.windowMs)
      await h.store.complete(id, h.windowMs / 2)
      await h.elapse(h.windowMs / 2 + h.windowMs / 10)
      expect((await h.store.claim(id, h.windowMs)).state).toBe('claimed')
    })
  })
}
