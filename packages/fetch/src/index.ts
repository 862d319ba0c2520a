export { clientKeyFromAddress } from '@yunpian-kit/core/http'
export {
  type HandlerWebhookOptions,
  type OtpRoutesOptions,
  type YunpianHandlerOptions,
  yunpianHandler,
} from './handler.js'
export { problemResponse, toResponse, type WebhookOptions } from './routes.js'
