export {
  DEFAULT_DEDUPE_TTL_MS,
  DEFAULT_LEASE_MS,
  type DedupeClaim,
  type DedupeStore,
  leaseToken,
  MemoryDedupeStore,
  type MemoryDedupeStoreOptions,
} from './dedupe.js'
export {
  emitReportEvent,
  handlePush,
  type PushHandlerOptions,
  type PushOutcome,
  pushKind,
  type ReportEvent,
} from './handle.js'
export { type PushBody, parseReplyPush, parseStatusPush } from './parse.js'
export {
  createStatusPoller,
  type PollerLeftovers,
  type PollOptions,
  pollStatus,
  type StatusPoller,
  type StatusPollerOptions,
} from './poller.js'
export {
  decodeQueuedReports,
  deliverReports,
  encodeQueuedReports,
  idsOf,
  type QueuedReports,
  type ReportHandlers,
  type ReportQueue,
} from './queue.js'
export {
  MemorySendLedger,
  type MemorySendLedgerOptions,
  Reconciler,
  type ReconcilerOptions,
  type SendLedger,
  type WatchedSend,
} from './reconciler.js'
