// Shared store contract suites (vitest), for this package's stores, @yunpian-kit/redis, and yours.

export { describeDedupeStoreContract } from './dedupe-store.js'
export { type HarnessFactory, type StoreHarness, uniqueKey } from './harness.js'
export { describeOtpStoreContract } from './otp-store.js'
export { describeSendLedgerContract } from './send-ledger.js'
export { describeThrottleStoreContract } from './throttle-store.js'
