import {
  type Attributes,
  type Counter,
  context,
  createNoopMeter,
  type Histogram,
  metrics,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import type { BrakeStore } from '../brake/types.js'
import type { OtpEvent } from '../otp/options.js'
import type { OtpStore } from '../otp/store.js'
import type { ThrottleStore } from '../throttling/types.js'
import { errorAttributes } from './client.js'
import { ATTRIBUTES as A, INSTRUMENTATION_SCOPE, METRICS, SPANS, STORE_BUCKETS } from './names.js'

/** How a send or verify ended, for the span's `yunpian.otp.outcome`. */
type Outcome = 'sent' | 'verified' | 'invalid' | 'rate_limited' | 'refused' | 'error'

/** Refusals the caller caused (a bad number, a country not served, a limit): expected, not span errors. */
const REFUSALS = new Set([
  'YunpianValidationError',
  'OtpCountryNotAllowedError',
  'OtpRiskRejectedError',
  'OtpRateLimitedError',
])

/**
 * The OTP service as OpenTelemetry sees it: a span per send and verify, counters fed by the service's own
 * events, and the latency of every store call. Instruments are taken once, when the service is built.
 */
export class OtpTelemetry {
  readonly #tracer: Tracer
  readonly #sent: Counter
  readonly #verified: Counter
  readonly #failed: Counter
  readonly #refusals: Counter
  readonly #brakeTrips: Counter
  /** Undefined when no MeterProvider was installed: store calls are then not wrapped at all. */
  readonly #storeDuration: Histogram | undefined

  constructor() {
    this.#tracer = trace.getTracer(INSTRUMENTATION_SCOPE)
    const meter = metrics.getMeter(INSTRUMENTATION_SCOPE)
    const counter = (name: string, unit: string, description: string) =>
      meter.createCounter(name, { unit, description })
    this.#sent = counter(METRICS.codesSent, '{code}', 'Verification codes sent, by country')
    this.#verified = counter(METRICS.codesVerified, '{code}', 'Verification codes verified, by country')
    this.#failed = counter(METRICS.codesFailed, '{attempt}', 'Verify attempts that did not verify')
    this.#refusals = counter(
      METRICS.throttleRefusals,
      '{refusal}',
      'Sends and verifies refused by a limit, by scope and rule',
    )
    this.#brakeTrips = counter(METRICS.brakeTrips, '{trip}', 'Pauses of a country or prefix by the brake')
    const storeDuration = meter.createHistogram(METRICS.storeDuration, {
      unit: 's',
      description: 'Duration of one store call, by store and operation',
      advice: { explicitBucketBoundaries: STORE_BUCKETS },
    })
    this.#storeDuration = isNoop(storeDuration) ? undefined : storeDuration
  }

  /** Runs a send or verify inside its span, made active so the Yunpian call and the events land in it. */
  async run<T>(
    operation: 'send' | 'verify',
    work: () => Promise<T>,
    outcome: (result: T) => Outcome = () => 'sent',
  ): Promise<T> {
    const span = this.#tracer.startSpan(SPANS[operation], { kind: SpanKind.INTERNAL })
    try {
      const result = await context.with(trace.setSpan(context.active(), span), work)
      span.setAttribute(A.outcome, outcome(result))
      return result
    } catch (error) {
      const attributes = errorAttributes(error)
      const refused = REFUSALS.has(String(attributes[A.errorType]))
      const rateLimited = attributes[A.errorType] === 'OtpRateLimitedError'
      span.setAttributes({
        ...attributes,
        [A.outcome]: rateLimited ? 'rate_limited' : refused ? 'refused' : 'error',
      })
      if (!refused) span.setStatus({ code: SpanStatusCode.ERROR, message: String(attributes[A.errorType]) })
      throw error
    } finally {
      span.end()
    }
  }

  /**
   * One of the service's events: counted, and its country (never its number) set on the active span.
   * `test` sends and verifies are not counted: they are not traffic.
   */
  record(event: OtpEvent): void {
    const span = trace.getActiveSpan()
    if ('country' in event) {
      span?.setAttribute(A.country, event.country)
      span?.setAttribute(A.purpose, event.purpose)
    }
    switch (event.type) {
      case 'sent':
        if (!event.test) this.#sent.add(1, { [A.country]: event.country })
        return
      case 'verified':
        if (!event.test) this.#verified.add(1, { [A.country]: event.country })
        return
      case 'failed':
        if (!event.test) this.#failed.add(1, { [A.country]: event.country })
        return
      case 'throttled':
        this.#refusals.add(1, {
          [A.scope]: event.scope,
          [A.rule]: event.rule,
          [A.country]: event.country,
        })
        return
      case 'brake':
        // The prefix's digits stay out: the scope and the country tell which dashboard to open.
        this.#brakeTrips.add(1, { [A.brakeScope]: event.brake.scope, [A.country]: event.brake.country })
        return
    }
  }

  /** The stores as the service uses them: each call timed, when a MeterProvider is installed. */
  timed<S extends ThrottleStore | OtpStore | BrakeStore>(store: S, name: 'throttle' | 'codes' | 'brake'): S {
    const histogram = this.#storeDuration
    if (!histogram) return store
    const wrappers = new Map<PropertyKey, unknown>()
    return new Proxy(store, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target)
        if (typeof value !== 'function' || !TIMED.has(property)) return value
        let wrapper = wrappers.get(property)
        if (!wrapper) {
          const labels: Attributes = { [A.store]: name, [A.operation]: String(property) }
          wrapper = (...args: unknown[]) => {
            const started = performance.now()
            const took = () => (performance.now() - started) / 1000
            return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).then(
              (result) => {
                histogram.record(took(), labels)
                return result
              },
              (error: unknown) => {
                histogram.record(took(), { ...labels, ...errorAttributes(error) })
                throw error
              },
            )
          }
          wrappers.set(property, wrapper)
        }
        return wrapper
      },
    })
  }
}

/** The stores' methods (throttle, codes, brake), each a round trip on Redis. */
const TIMED = new Set<PropertyKey>([
  ...['consume', 'refund', 'reset', 'set', 'verify', 'delete'],
  ...['send', 'unsend', 'verified', 'status', 'list', 'release', 'figures'],
])

/** The API's no-op histogram: what `getMeter` gives before (or without) a MeterProvider. */
const NOOP_HISTOGRAM = createNoopMeter().createHistogram('noop').constructor
function isNoop(histogram: Histogram): boolean {
  return histogram.constructor === NOOP_HISTOGRAM
}
