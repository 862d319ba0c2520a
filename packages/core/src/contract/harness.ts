import { randomBytes } from 'node:crypto'

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
