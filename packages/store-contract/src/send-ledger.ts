import type { SendLedger, WatchedSend } from '@yunpian-kit/core'
import { describe, expect, it } from 'vitest'
import { type HarnessFactory, useHarness } from './harness.js'

const T = 1_700_000_000_000

function send(label: string, sentAt: number): WatchedSend {
  return { sid: `${sentAt}-${label}`, mobile: '+447400123456', sentAt }
}

/**
 * The semantics every `SendLedger` shares: sends come back once due, each to one caller at a time for
 * the lease, until forgotten or moved. Times are arguments, so no clock is needed.
 */
export function describeSendLedgerContract(name: string, create: HarnessFactory<SendLedger>): void {
  describe(`SendLedger contract: ${name}`, () => {
    const h = useHarness(create)
    // Each test works in its own stretch of time and forgets what it remembered.
    let base = T
    const stretch = () => {
      base += 10 ** 9
      return base
    }

    it('a send is due at its time, not before, with what was remembered', async () => {
      const t = stretch()
      const a = send('a', t)
      await h.store.remember([a], t + 1_000)
      expect(await h.store.takeDue(t + 999, 10, 60_000)).toEqual([])
      expect(await h.store.takeDue(t + 1_000, 10, 60_000)).toEqual([a])
      await h.store.forget([a.sid])
    })

    it('a taken send is hidden for the lease, then due again; forget ends it', async () => {
      const t = stretch()
      const a = send('lease', t)
      await h.store.remember([a], t)
      expect(await h.store.takeDue(t, 10, 5_000)).toEqual([a])
      expect(await h.store.takeDue(t + 4_999, 10, 5_000)).toEqual([])
      expect(await h.store.takeDue(t + 5_000, 10, 5_000)).toEqual([a])
      await h.store.forget([a.sid])
      expect(await h.store.takeDue(t + 10 ** 6, 10, 5_000)).toEqual([])
    })

    it('remembering a send again moves it', async () => {
      const t = stretch()
      const a = send('move', t)
      await h.store.remember([a], t)
      await h.store.remember([a], t + 50_000)
      expect(await h.store.takeDue(t + 49_999, 10, 1_000)).toEqual([])
      expect(await h.store.takeDue(t + 50_000, 10, 1_000)).toEqual([a])
      await h.store.forget([a.sid])
    })

    it('takes at most limit; concurrent callers never get the same send', async () => {
      const t = stretch()
      const sends = Array.from({ length: 30 }, (_, i) => send(`many${i}`, t))
      await h.store.remember(sends, t)
      expect(await h.store.takeDue(t, 7, 1_000)).toHaveLength(7)
      const rounds = await Promise.all(Array.from({ length: 5 }, () => h.store.takeDue(t + 1_000, 10, 1_000)))
      const sids = rounds.flat().map((s) => s.sid)
      expect(new Set(sids).size).toBe(sids.length)
      expect(sids).toHaveLength(30)
      await h.store.forget(sends.map((s) => s.sid))
    })
  })
}
