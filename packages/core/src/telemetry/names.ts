/**
 * Every span, metric and attribute name this package emits, in one place (docs/operations.md lists them).
 * OpenTelemetry's conventions: lower-case dotted names in the `yunpian.` namespace, semantic-convention
 * names (`error.type`, `http.*`, `server.*`) where one fits, units in the metric's unit field.
 * No attribute ever carries a phone number, a code, the apikey, an address or a client key.
 */
export const INSTRUMENTATION_SCOPE = '@yunpian-kit/core'

export const METRICS = {
  /** Histogram, s: one logical Yunpian call, retries included. */
  callDuration: 'yunpian.client.call.duration',
  /** Counter, {error}: Yunpian calls that failed, by endpoint, `error.type` and Yunpian's code. */
  clientErrors: 'yunpian.client.errors',
  /** Counter, {code}: verification codes sent (test numbers excluded), by country. */
  codesSent: 'yunpian.otp.codes.sent',
  /** Counter, {code}: codes verified, by country. */
  codesVerified: 'yunpian.otp.codes.verified',
  /** Counter, {attempt}: verify attempts that did not verify, by country. */
  codesFailed: 'yunpian.otp.codes.failed',
  /** Counter, {refusal}: sends and verifies refused by a limit, by scope and rule. */
  throttleRefusals: 'yunpian.otp.throttle.refusals',
  /** Histogram, s: one call to a store (throttle, codes), by store and operation. */
  storeDuration: 'yunpian.otp.store.duration',
  /** Counter, {trip}: the pumping brake paused a country or prefix, by scope and country. */
  brakeTrips: 'yunpian.otp.brake.trips',
} as const

export const SPANS = {
  send: 'yunpian.otp.send',
  verify: 'yunpian.otp.verify',
  /** Event on a Yunpian call's span, one per retry. */
  retryEvent: 'yunpian.retry',
} as const

export const ATTRIBUTES = {
  endpoint: 'yunpian.endpoint',
  errorCode: 'yunpian.error.code',
  retryAttempt: 'yunpian.retry.attempt',
  retryDelayMs: 'yunpian.retry.delay_ms',
  country: 'yunpian.otp.country',
  purpose: 'yunpian.otp.purpose',
  outcome: 'yunpian.otp.outcome',
  channel: 'yunpian.otp.channel',
  scope: 'yunpian.otp.limit.scope',
  rule: 'yunpian.otp.limit.rule',
  brakeScope: 'yunpian.otp.brake.scope',
  store: 'yunpian.otp.store',
  operation: 'yunpian.otp.store.operation',
  // Semantic conventions: HTTP client (stable; `url.template` is still in development there).
  errorType: 'error.type',
  method: 'http.request.method',
  statusCode: 'http.response.status_code',
  resendCount: 'http.request.resend_count',
  urlTemplate: 'url.template',
  serverAddress: 'server.address',
  serverPort: 'server.port',
} as const

/** The HTTP semantic conventions' duration buckets, in seconds. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
/** Store calls are sub-millisecond to a few ms; a stalled Redis times out at 0.5 s by default. */
export const STORE_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
]
