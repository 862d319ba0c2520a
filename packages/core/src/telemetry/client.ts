import {
  type Attributes,
  type Counter,
  context,
  type Histogram,
  metrics,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import { YunpianApiError } from '../errors.js'
import { ATTRIBUTES as A, DURATION_BUCKETS, INSTRUMENTATION_SCOPE, METRICS, SPANS } from './names.js'

/** What the transport tells of one call: its endpoint and, for the span's name, its path without query. */
export interface CallInfo {
  readonly name: string
}

/**
 * A Yunpian call as OpenTelemetry sees it: one CLIENT span per logical call (retries are events on it, and
 * an HTTP instrumentation's per-attempt spans nest under it), a duration histogram and an error counter.
 * The tracer and instruments are taken once, when the client is built; with no SDK installed they are the
 * API's no-ops. Only the endpoint, host and outcome are recorded: never the form (apikey, number, text).
 */
export class CallTelemetry {
  readonly #tracer: Tracer
  readonly #duration: Histogram
  readonly #errors: Counter
  readonly #server: Attributes
  readonly #pathPrefix: string
  readonly #endpoints = new Map<string, { spanName: string; attributes: Attributes; labels: Attributes }>()

  constructor(baseUrl: URL, pathPrefix: string) {
    this.#tracer = trace.getTracer(INSTRUMENTATION_SCOPE)
    const meter = metrics.getMeter(INSTRUMENTATION_SCOPE)
    this.#duration = meter.createHistogram(METRICS.callDuration, {
      unit: 's',
      description: 'Duration of one logical Yunpian call, retries included',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    })
    this.#errors = meter.createCounter(METRICS.clientErrors, {
      unit: '{error}',
      description: 'Yunpian calls that failed, by endpoint, error type and Yunpian error code',
    })
    const port = Number(baseUrl.port || (baseUrl.protocol === 'https:' ? 443 : 80))
    this.#server = { [A.serverAddress]: baseUrl.hostname, [A.serverPort]: port }
    this.#pathPrefix = pathPrefix
  }

  /** Runs `call` inside the call's span, made the active one so nested HTTP spans hang under it. */
  async run<T>(endpoint: CallInfo, call: (span: Span) => Promise<T>): Promise<T> {
    const started = performance.now()
    const known = this.#endpoint(endpoint.name)
    const span = this.#tracer.startSpan(known.spanName, {
      kind: SpanKind.CLIENT,
      attributes: known.attributes,
    })
    try {
      const result = await context.with(trace.setSpan(context.active(), span), call, undefined, span)
      span.setAttribute(A.statusCode, 200)
      this.#duration.record((performance.now() - started) / 1000, known.labels)
      return result
    } catch (error) {
      const attributes = errorAttributes(error)
      const status =
        error instanceof YunpianApiError
          ? error.httpStatus
          : (error as { statusCode?: number } | undefined)?.statusCode
      if (status) span.setAttribute(A.statusCode, status)
      span.setAttributes(attributes)
      // The error's name only: messages may quote what Yunpian echoed of a request.
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(attributes[A.errorType]) })
      const labels = { [A.endpoint]: endpoint.name, ...attributes }
      this.#errors.add(1, labels)
      this.#duration.record((performance.now() - started) / 1000, labels)
      throw error
    } finally {
      span.end()
    }
  }

  /** Names and attributes of an endpoint, made once: a call allocates no more than it must. */
  #endpoint(name: string): { spanName: string; attributes: Attributes; labels: Attributes } {
    let known = this.#endpoints.get(name)
    if (!known) {
      const template = `${this.#pathPrefix}/v2/${name}.json`
      known = {
        spanName: `POST ${template}`,
        attributes: { [A.method]: 'POST', [A.urlTemplate]: template, [A.endpoint]: name, ...this.#server },
        labels: { [A.endpoint]: name },
      }
      this.#endpoints.set(name, known)
    }
    return known
  }

  /** A retry, as an event on the call's span. */
  retried(span: Span, attempt: number, delayMs: number, error: unknown): void {
    if (!span.isRecording()) return
    span.setAttribute(A.resendCount, attempt)
    span.addEvent(SPANS.retryEvent, {
      [A.retryAttempt]: attempt,
      [A.retryDelayMs]: delayMs,
      ...errorAttributes(error),
    })
  }
}

/** `error.type` (the error's class) and, for Yunpian's refusals, its code. */
export function errorAttributes(error: unknown): Attributes {
  const type = error instanceof Error ? error.name : '_OTHER'
  return error instanceof YunpianApiError
    ? { [A.errorType]: type, [A.errorCode]: error.code }
    : { [A.errorType]: type }
}
