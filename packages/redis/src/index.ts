export type { IoredisLike, NodeRedisLike, RedisClientLike, RedisConnectionOptions } from './connection.js'
export {
  type DeadLetter,
  RedisReportQueue,
  type RedisReportQueueOptions,
  ReportQueueError,
} from './report-queue.js'
export { RedisSendLedger, type RedisSendLedgerOptions, SendLedgerError } from './send-ledger.js'
export {
  DedupeStoreError,
  RedisDedupeStore,
  RedisOtpStore,
  RedisThrottleStore,
  type RedisThrottleStoreOptions,
  type StoreFailurePolicy,
} from './stores.js'
