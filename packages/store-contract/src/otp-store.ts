import { createHash, randomBytes } from 'node:crypto'
import type { OtpStore } from '@yunpian-kit/core'
import { describe, expect, it } from 'vitest'
import { type HarnessFactory, uniqueKey, useHarness } from './harness.js'

const digest = () => createHash('sha256').update(randomBytes(16)).digest('hex')

/** The semantics every `OtpStore` shares: single use, attempts, expiry, replacement, atomic verify. */
export function describeOtpStoreContract(name: string, create: HarnessFactory<OtpStore>): void {
  describe(`OtpStore contract: ${name}`, () => {
    const h = useHarness(create)

    it('a right digest verifies once', async () => {
      const key = uniqueKey('once')
      const right = digest()
      await h.store.set(key, { digest: right, ttlMs: h.windowMs, attempts: 5 })
      expect(await h.store.verify(key, right)).toBe('verified')
      expect(await h.store.verify(key, right)).toBe('missing')
    })

    it('counts wrong attempts; the last one removes the code', async () => {
      const key = uniqueKey('attempts')
      const right = digest()
      await h.store.set(key, { digest: right, ttlMs: h.windowMs, attempts: 3 })
      expect(await h.store.verify(key, digest())).toBe('mismatch')
      expect(await h.store.verify(key, digest())).toBe('mismatch')
      expect(await h.store.verify(key, digest())).toBe('exhausted')
      expect(await h.store.verify(key, right)).toBe('missing')
    })

    it('a right digest after wrong ones still verifies while attempts remain', async () => {
      const key = uniqueKey('after-wrong')
      const right = digest()
      await h.store.set(key, { digest: right, ttlMs: h.windowMs, attempts: 3 })
      await h.store.verify(key, digest())
      expect(await h.store.verify(key, right)).toBe('verified')
    })

    it('a new challenge replaces the old one, attempts and all', async () => {
      const key = uniqueKey('replace')
      const first = digest()
      const second = digest()
      await h.store.set(key, { digest: first, ttlMs: h.windowMs, attempts: 5 })
      await h.store.set(key, { digest: second, ttlMs: h.windowMs, attempts: 5 })
      expect(await h.store.verify(key, first)).toBe('mismatch')
      expect(await h.store.verify(key, second)).toBe('verified')
    })

    it('expires after ttlMs', async () => {
      const key = uniqueKey('expiry')
      const right = digest()
      await h.store.set(key, { digest: right, ttlMs: h.windowMs / 2, attempts: 5 })
      await h.elapse(h.windowMs / 2 + h.windowMs / 10)
      expect(await h.store.verify(key, right)).toBe('missing')
    })

    it('delete removes the challenge; unknown keys are missing', async () => {
      const key = uniqueKey('delete')
      const right = digest()
      await h.store.set(key, { digest: right, ttlMs: h.windowMs, attempts: 5 })
      await h.store.delete(key)
      expect(await h.store.verify(key, right)).toBe('missing')
      expect(await h.store.verify(uniqueKey('unknown'), right)).toBe('missing')
    })

    it('of many concurrent right answers, exactly one verifies', async () => {
      const key = uniqueKey('race')
      const right = digest()
      await h.store.set(key, { digest: right, ttlMs: h.windowMs, attempts: 5 })
      const results = await Promise.all(Array.from({ length: 20 }, () => h.store.verify(key, right)))
      expect(results.filter((r) => r === 'verified')).toHaveLength(1)
      expect(results.filter((r) => r !== 'verified' && r !== 'missing')).toEqual([])
    })

    it('many concurrent wrong answers never exceed the attempts', async () => {
      const key = uniqueKey('wrong-race')
      const right = digest()
      await h.store.set(key, { digest: right, ttlMs: h.windowMs, attempts: 5 })
      const results = await Promise.all(Array.from({ length: 20 }, () => h.store.verify(key, digest())))
      expect(results.filter((r) => r === 'mismatch')).toHaveLength(4)
      expect(results.filter((r) => r === 'exhausted')).toHaveLength(1)
      expect(await h.store.verify(key, right)).toBe('missing')
    })
  })
}
