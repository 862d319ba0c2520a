// The suites against core's memory stores, on a clock the test moves: what every store must do, shown on
// the stores every app starts with.
import { MemoryDedupeStore, MemoryOtpStore, MemorySendLedger, MemoryThrottleStore } from '@yunpian-kit/core'
import {
  describeDedupeStoreContract,
  describeOtpStoreContract,
  describeSendLedgerContract,
  describeThrottleStoreContract,
} from '../src/index.js'

/** A clock that moves only when told: `now` for the store, `advance` for the suite. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_700_000_000_000
  return {
    now: () => time,
    advance: (ms) => {
      time += ms
    },
  }
}

describeThrottleStoreContract('MemoryThrottleStore', () => {
  const clock = manualClock()
  return { store: new MemoryThrottleStore({ now: clock.now }), advance: clock.advance }
})

describeOtpStoreContract('MemoryOtpStore', () => {
  const clock = manualClock()
  return { store: new MemoryOtpStore({ now: clock.now }), advance: clock.advance }
})

describeDedupeStoreContract('MemoryDedupeStore', () => {
  const clock = manualClock()
  return { store: new MemoryDedupeStore({ now: clock.now }), advance: clock.advance }
})

describeSendLedgerContract('MemorySendLedger', () => ({ store: new MemorySendLedger() }))
