// The store contract suites (vitest): every store of @yunpian-kit/core's interfaces, ours and yours, runs them.

export { describeDedupeStoreContract } from './dedupe-store.js'
export { type HarnessFactory, type StoreHarness, uniqueKey } from './harness.js'
export { describeOtpStoreContract } from './otp-store.js'
export { describeSendLedgerContract } from './send-ledger.js'
export { describeThrottleStoreContract } from './throttle-store.js'
