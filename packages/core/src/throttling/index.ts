export { type MemoryStoreOptions, MemoryThrottleStore } from './memory.js'
export {
  enforces,
  type ThrottleDecision,
  type ThrottleRule,
  type ThrottleStore,
  YUNPIAN_RULES,
} from './types.js'
