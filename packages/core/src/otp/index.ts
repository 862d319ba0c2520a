export {
  DEFAULT_BRAKE,
  type OtpBrakeOptions,
  type OtpBrakes,
  type OtpBrakeThresholds,
  type OtpConversion,
} from './brakes.js'
export {
  type BeforeSendContext,
  DEFAULT_OTP_LIMITS,
  type OtpEvent,
  type OtpLimitsOptions,
  type OtpMessageContext,
  type OtpNumberType,
  type OtpSendWatcher,
  type OtpServiceOptions,
  type OtpTemplate,
} from './options.js'
export {
  isOtpService,
  type OtpCountryStats,
  type OtpLimits,
  type OtpSendRequest,
  type OtpSendResult,
  OtpService,
  type OtpVerifyRequest,
  type OtpVerifyResult,
} from './service.js'
export {
  MemoryOtpStore,
  type MemoryOtpStoreOptions,
  type OtpChallenge,
  type OtpCheck,
  type OtpStore,
} from './store.js'
