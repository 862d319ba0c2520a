export {
  DEFAULT_DEDUPE_TTL_MS,
  type DedupeStore,
  MemoryDedupeStore,
  type MemoryDedupeStoreOptions,
} from './dedupe.js'
export {
  handlePush,
  type PushHandlerOptions,
  type PushOutcome,
  pushKind,
  type ReportEvent,
} from './handle.js'
export { type PushBody, parseReplyPush, parseStatusPush, YunpianReportError } from './parse.js'
export {
  createStatusPoller,
  type PollerLeftovers,
  type PollOptions,
  pollStatus,
  type StatusPoller,
  type StatusPollerOptions,
} from './poller.js'
