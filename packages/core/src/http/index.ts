export {
  type BodyOutcome,
  bodyConsumed,
  declaredOver,
  type NodeRequest,
  pushBodyOf,
  readBody,
  readOtpBody,
  readPushBody,
  tooLargeUnread,
} from './body.js'
export {
  type HttpAnswer,
  type ProblemCode,
  problem,
  problemFor,
  rateLimitHeaders,
  writeAnswer,
} from './problem.js'
export {
  answerOtpSend,
  answerOtpVerify,
  answerPush,
  clientKeyFromAddress,
  notFound,
  OTP_BODY_LIMIT,
  type OtpRouteOptions,
  otpSendBodySchema,
  otpVerifyBodySchema,
  tooLarge,
  WEBHOOK_BODY_LIMIT,
  type WebhookRouteOptions,
  webhookSecretMatches,
} from './routes.js'
