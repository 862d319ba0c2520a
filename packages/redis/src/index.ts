// The stores' error classes live in core with the store interfaces; exported here too, as before.
export { DedupeStoreError, ReportQueueError, SendLedgerError } from '@yunpian-kit/core'
export { RedisBrakeStore } from './brake.js'
export type {
  IoredisLike,
  NodeRedisLike,
  RedisClientConnection,
  RedisClientLike,
  RedisConnectionOptions,
  RedisKeyOptions,
  RedisUrlConnection,
} from './connection.js'
export {
  type DeadLetter,
  RedisReportQueue,
  type RedisReportQueueOptions,
  type RedisReportQueueSettings,
} from './report-queue.js'
export {
  RedisSendLedger,
  type RedisSendLedgerOptions,
  type RedisSendLedgerSettings,
} from './send-ledger.js'
export {
  RedisDedupeStore,
  RedisOtpStore,
  RedisThrottleStore,
  type RedisThrottleStoreOptions,
  type RedisThrottleStoreSettings,
  type StoreFailurePolicy,
} from './stores.js'
