export { type CostEstimate, estimateCost, yunpianBilledCount } from './cost.js'
export { type Segmentation, type SegmentOptions, type SmsEncoding, segment } from './segment.js'
export { toGsm } from './to-gsm.js'
