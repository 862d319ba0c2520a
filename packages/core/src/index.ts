export * from './brake/index.js'
export type { CountMismatchEvent } from './client.js'
export {
  type CallOptions,
  isYunpianClient,
  SignApi,
  SmsApi,
  TplApi,
  UserApi,
  VoiceApi,
  YUNPIAN_HOSTS,
  YUNPIAN_VOICE_HOSTS,
  YunpianClient,
  type YunpianClientOptions,
  type YunpianRegion,
} from './client.js'
export {
  BrakeStoreError,
  DedupeStoreError,
  type OptionProblem,
  OtpCountryNotAllowedError,
  type OtpLimitScope,
  OtpRateLimitedError,
  OtpRiskRejectedError,
  OtpStoreError,
  ReportQueueError,
  SendLedgerError,
  StoreError,
  ThrottleStoreError,
  type ValidationIssue,
  YunpianAbortError,
  YunpianApiError,
  YunpianError,
  type YunpianErrorKind,
  YunpianOptionsError,
  YunpianReportError,
  YunpianTimeoutError,
  YunpianTransportError,
  YunpianValidationError,
} from './errors.js'
export * from './otp/index.js'
export { kindOfCode, RECIPIENT_LIMIT_CODES } from './protocol/codes.js'
export type {
  Account,
  BatchSendEntry,
  BatchSendResult,
  SendRecord,
  SendResult,
  SignApplication,
  SignList,
  SignRecord,
  Template,
  TotalFee,
  VoiceSendResult,
  VoiceStatus,
} from './protocol/responses.js'
export { formatChinaTime, parseChinaTime } from './protocol/time.js'
export type { RetryEvent } from './protocol/transport.js'
export * from './reports/index.js'
export type { ReplyRecord, StatusReport } from './reports/records.js'
export {
  type CostEstimate,
  estimateCost,
  type Segmentation,
  type SegmentOptions,
  type SmsEncoding,
  segment,
  toGsm,
  yunpianBilledCount,
} from './segmenting/index.js'
export * from './throttling/index.js'
export {
  type CountryCode,
  type NumberType,
  numberType,
  type ParsedMobile,
  parseMobile,
} from './validation/mobile.js'
export type {
  BatchSendRequest,
  GetBlackWordRequest,
  GetRecordRequest,
  GetReplyRequest,
  GetTotalFeeRequest,
  MultiSendRequest,
  PullRequest,
  SignAddRequest,
  SignGetRequest,
  SingleSendRequest,
  TplAddRequest,
  TplBatchSendRequest,
  TplDelRequest,
  TplGetRequest,
  TplSingleSendRequest,
  TplUpdateRequest,
  UserSetRequest,
  VoicePullStatusRequest,
  VoiceSendRequest,
} from './validation/requests.js'
