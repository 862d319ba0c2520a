export type { PushAttempt, PushKind } from './courier.js'
export type { FaultKind, FaultOptions } from './faults.js'
export { replySignature, startFakeYunpian } from './server.js'
export type { TemplateStatus } from './templates.js'
export {
  FAKE_APIKEY,
  type FakeReportsOptions,
  type FakeTemplate,
  type FakeYunpian,
  type FakeYunpianOptions,
  type Outbox,
  type OutboxMessage,
} from './types.js'
