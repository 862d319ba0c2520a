// The injectable services are the core's own classes.
export { OtpService, YunpianClient } from '@yunpian-kit/core'
export { YunpianProblemFilter } from './filter.js'
export { OtpThrottle, OtpThrottleException, OtpThrottleGuard, type OtpThrottleOptions } from './guard.js'
export { YunpianModule } from './module.js'
export {
  type PlatformRequest,
  YUNPIAN_DEDUPE_STORE,
  YUNPIAN_MODULE_OPTIONS,
  YUNPIAN_OTP_STORE,
  YUNPIAN_THROTTLE_STORE,
  type YunpianModuleExtras,
  type YunpianModuleOptions,
  type YunpianMountOptions,
  type YunpianRoutesOptions,
  type YunpianWebhookOptions,
} from './options.js'
