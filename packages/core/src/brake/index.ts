export { MemoryBrakeStore, type MemoryBrakeStoreOptions } from './memory.js'
export {
  type ActiveBrake,
  type BrakeDecision,
  type BrakeFigures,
  type BrakePolicy,
  type BrakeScope,
  type BrakeSend,
  type BrakeStore,
  type BrakeSubject,
  type BrakeThresholds,
  bucketOf,
  type CountryFigures,
  judgedBuckets,
  trips,
  verifiedRatio,
} from './types.js'
