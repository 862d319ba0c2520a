export { type MemoryStoreOptions, MemoryThrottleStore } from './memory.js'
export {
  enforces,
  StoreError,
  type ThrottleDecision,
  type ThrottleRule,
  type ThrottleStore,
  ThrottleStoreError,
  YUNPIAN_RULES,
} from './types.js'
