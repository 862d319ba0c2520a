import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'

/** A store under test, and how to move its clock. */
export interface StoreHarness<S> {
  store: S
  /**
   * Moves the store's clock forward. Stores that take time from elsewhere (Redis `TIME`) leave it out, and
   * the suite waits in real time over short windows instead.
   */
  advance?: (ms: number) => void | Promise<void>
  close?: () => Promise<void>
}

export type HarnessFactory<S> = () => StoreHarness<S> | Promise<StoreHarness<S>>

/** A fresh key per test, so one store can serve the whole suite. */
export function uniqueKey(label: string): string {
  return `contract:${label}:${randomBytes(6).toString('hex')}`
}

export function clockOf(harness: StoreHarness<unknown>): {
  windowMs: number
  elapse(ms: number): Promise<void>
} {
  const advance = harness.advance
  if (advance) return { windowMs: 60_000, elapse: async (ms) => void (await advance(ms)) }
  return { windowMs: 1_000, elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) }
}

/**
 * Creates the harness before the suite and closes it after; the returned object fills in then. Windows are
 * a minute on a clock the test moves, or a second of real time for stores that keep their own clock.
 */
export function useHarness<S>(create: HarnessFactory<S>): {
  store: S
  windowMs: number
  elapse(ms: number): Promise<void>
} {
  const current = {} as { store: S; windowMs: number; elapse(ms: number): Promise<void> }
  let harness: StoreHarness<S> | undefined
  beforeAll(async () => {
    harness = await create()
    Object.assign(current, { store: harness.store }, clockOf(harness))
  })
  afterAll(async () => {
    await harness?.close?.()
  })
  return current
}
