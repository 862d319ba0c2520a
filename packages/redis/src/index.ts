export type { IoredisLike, NodeRedisLike, RedisClientLike, RedisConnectionOptions } from './connection.js'
export {
  DedupeStoreError,
  RedisDedupeStore,
  RedisOtpStore,
  RedisThrottleStore,
  type RedisThrottleStoreOptions,
  type StoreFailurePolicy,
} from './stores.js'
