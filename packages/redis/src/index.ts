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
  ReportQueueError,
} from './report-queue.js'
export {
  RedisSendLedger,
  type RedisSendLedgerOptions,
  type RedisSendLedgerSettings,
  SendLedgerError,
} from './send-ledger.js'
export {
  DedupeStoreError,
  RedisDedupeStore,
  RedisOtpStore,
  RedisThrottleStore,
  type RedisThrottleStoreOptions,
  type RedisThrottleStoreSettings,
  type StoreFailurePolicy,
} from './stores.js'
