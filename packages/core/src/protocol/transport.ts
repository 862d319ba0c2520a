import type { Span } from '@opentelemetry/api'
import type { Dispatcher } from 'undici'
import { Pool } from 'undici'
import {
  YunpianAbortError,
  YunpianApiError,
  type YunpianError,
  YunpianTimeoutError,
  YunpianTransportError,
} from '../errors.js'
import { CallTelemetry } from '../telemetry/client.js'
import { SYSTEM_BUSY } from './codes.js'
import { encodeForm } from './form.js'
import { parseJsonWithExactSids } from './json.js'
import { errorEnvelopeSchema } from './responses.js'

/**
 * `send` endpoints are not idempotent on Yunpian's side; `read` endpoints are. `drain` (`pull_*`) deletes
 * what it returns: after a lost answer it is not retried, so the caller learns that a page may be gone.
 */
export interface Endpoint {
  /** `sms/single_send` */
  readonly name: string
  readonly kind: 'send' | 'read' | 'drain'
}

export interface RetryEvent {
  endpoint: string
  /** 1 for the first retry. */
  attempt: number
  delayMs: number
  error: YunpianError
}

export interface TransportOptions {
  baseUrl: string
  apikey: string
  timeoutMs: number
  retries: number
  retryDelayMs: number
  connections: number
  onRetry: ((event: RetryEvent) => void) | undefined
}

const HEADERS = {
  'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
  accept: 'application/json;charset=utf-8',
}
/** A list page of 100 records is ~40 KiB; anything near this is not Yunpian. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024

interface RawResponse {
  status: number
  contentType: string | undefined
  body: string
}

/** One keep-alive pool to one Yunpian host; form bodies in, validated JSON out. */
export class Transport {
  readonly #pool: Pool
  readonly #pathPrefix: string
  readonly #apikey: string
  readonly #options: TransportOptions
  readonly #telemetry: CallTelemetry

  constructor(options: TransportOptions) {
    const url = new URL(options.baseUrl)
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    })
    this.#pathPrefix = url.pathname.replace(/\/+$/, '')
    this.#apikey = options.apikey
    this.#options = options
    this.#telemetry = new CallTelemetry(url, this.#pathPrefix)
  }

  /** Posts the form and returns the parsed success body; throws `YunpianApiError`, `YunpianTransportError` or their kin. */
  call(
    endpoint: Endpoint,
    fields: Record<string, string | undefined>,
    signal?: AbortSignal,
  ): Promise<unknown> {
    return this.#telemetry.run(endpoint, (span) => this.#call(endpoint, fields, signal, span))
  }

  async #call(
    endpoint: Endpoint,
    fields: Record<string, string | undefined>,
    signal: AbortSignal | undefined,
    span: Span,
  ): Promise<unknown> {
    const body = encodeForm({ apikey: this.#apikey, ...fields })
    const { retries, retryDelayMs, onRetry } = this.#options
    for (let attempt = 0; ; attempt++) {
      try {
        return this.#interpret(endpoint, await this.#post(endpoint, body, signal))
      } catch (error) {
        if (attempt >= retries || !isRetryable(endpoint, error)) throw maybeSent(endpoint, error)
        const delayMs = jitteredBackoff(retryDelayMs, attempt)
        onRetry?.({ endpoint: endpoint.name, attempt: attempt + 1, delayMs, error: error as YunpianError })
        this.#telemetry.retried(span, attempt + 1, delayMs, error)
        await sleep(delayMs, signal).catch((reason: unknown) => {
          throw new YunpianAbortError(
            `Yunpian ${endpoint.name} was aborted by the caller while waiting to retry`,
            {
              requestSent: error instanceof YunpianTransportError ? error.requestSent : true,
              endpoint: endpoint.name,
              cause: reason,
            },
          )
        })
      }
    }
  }

  close(): Promise<void> {
    return this.#pool.close()
  }

  #post(endpoint: Endpoint, body: string, signal: AbortSignal | undefined): Promise<RawResponse> {
    const { timeoutMs } = this.#options
    return new Promise<RawResponse>((resolve, reject) => {
      // `started` turns true when undici hands the request to a socket, right before it writes the
      // first byte: until then a failure proves nothing reached Yunpian.
      let started = false
      let settled = false
      let controller: Dispatcher.DispatchController | undefined
      let status = 0
      let contentType: string | undefined
      const chunks: Buffer[] = []
      let size = 0

      const finish = (error: Error | undefined, response?: RawResponse) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        if (error) {
          controller?.abort(error)
          reject(error)
        } else resolve(response!)
      }
      const onAbort = () =>
        finish(
          new YunpianAbortError(`Yunpian ${endpoint.name} was aborted by the caller`, {
            requestSent: started,
            endpoint: endpoint.name,
            cause: signal?.reason,
          }),
        )
      const timer = setTimeout(
        () => finish(new YunpianTimeoutError({ requestSent: started, endpoint: endpoint.name, timeoutMs })),
        timeoutMs,
      )
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })

      this.#pool.dispatch(
        { path: `${this.#pathPrefix}/v2/${endpoint.name}.json`, method: 'POST', headers: HEADERS, body },
        {
          onRequestStart(ctl) {
            controller = ctl
            if (settled) ctl.abort(new Error('settled before dispatch'))
            else started = true
          },
          onResponseStart(_ctl, statusCode, headers) {
            status = statusCode
            const type = headers['content-type']
            contentType = Array.isArray(type) ? type[0] : type
          },
          onResponseData(ctl, chunk) {
            size += chunk.length
            if (size > MAX_RESPONSE_BYTES) {
              finish(
                new YunpianTransportError(
                  `Yunpian ${endpoint.name} answered more than ${MAX_RESPONSE_BYTES} bytes`,
                  {
                    requestSent: true,
                    endpoint: endpoint.name,
                    statusCode: status,
                  },
                ),
              )
              ctl.abort(new Error('response too large'))
              return
            }
            chunks.push(chunk)
          },
          onResponseEnd() {
            finish(undefined, {
              status,
              contentType,
              body:
                chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
            })
          },
          onResponseError(_ctl, error) {
            finish(
              new YunpianTransportError(
                `Yunpian ${endpoint.name} could not be reached: ${describeNetworkError(error)}${
                  started ? '' : ' (nothing was sent)'
                }`,
                { requestSent: started, endpoint: endpoint.name, cause: error },
              ),
            )
          },
        },
      )
    })
  }

  #interpret(endpoint: Endpoint, response: RawResponse): unknown {
    const { status, body } = response
    let parsed: unknown
    try {
      parsed = parseJsonWithExactSids(body)
    } catch {
      throw this.#notYunpian(endpoint, response, 'a body that is not JSON')
    }
    const envelope = errorEnvelopeSchema.safeParse(parsed)
    const isError = envelope.success && (status !== 200 || envelope.data.code !== 0)
    if (isError) {
      const { code, msg, detail } = envelope.data
      throw new YunpianApiError({
        code,
        msg: msg === undefined || msg === null ? null : this.#redact(msg),
        detail: this.#redact(detail ?? msg ?? ''),
        httpStatus: status,
        endpoint: endpoint.name,
      })
    }
    if (status !== 200)
      throw this.#notYunpian(endpoint, response, 'JSON that is not Yunpian’s error envelope')
    return parsed
  }

  #notYunpian(endpoint: Endpoint, { status, contentType }: RawResponse, what: string): YunpianTransportError {
    return new YunpianTransportError(
      `Yunpian ${endpoint.name} answered HTTP ${status} (${contentType ?? 'no content type'}) with ${what}`,
      { requestSent: true, endpoint: endpoint.name, statusCode: status },
    )
  }

  /** Whatever Yunpian or a proxy echoes, the key does not travel further. */
  #redact(text: string): string {
    return text.includes(this.#apikey) ? text.replaceAll(this.#apikey, '[redacted]') : text
  }
}

/**
 * A send whose bytes may have reached Yunpian is never retried; its error says so, since "could not be
 * reached" alone reads as if nothing happened.
 */
function maybeSent(endpoint: Endpoint, error: unknown): unknown {
  if (endpoint.kind !== 'send' || !(error instanceof YunpianTransportError) || !error.requestSent)
    return error
  const before = error.message
  const [group, action] = endpoint.name.split('/')
  error.message =
    group === 'sms' && action?.includes('send')
      ? `${before}; the SMS may have been sent, so it was not retried (look it up with getRecord or wait for its delivery report before sending again)`
      : group === 'voice'
        ? `${before}; the voice code may have been sent, so it was not retried`
        : `${before}; Yunpian may have made the change, so it was not retried`
  if (error.stack) error.stack = error.stack.replace(before, error.message)
  return error
}

function isRetryable(endpoint: Endpoint, error: unknown): boolean {
  if (error instanceof YunpianAbortError) return false
  if (error instanceof YunpianTransportError && !error.requestSent) return true
  if (endpoint.kind === 'send') return false
  if (error instanceof YunpianApiError && error.code === SYSTEM_BUSY) return true
  // A drain (`pull_*`) whose answer was lost may have taken a page with it: the caller must hear of it.
  return endpoint.kind === 'read' && error instanceof YunpianTransportError
}

/** Exponential with "equal jitter": half fixed, half random, so retries of many callers spread out. */
export function jitteredBackoff(baseMs: number, attempt: number): number {
  const ceiling = Math.min(baseMs * 2 ** attempt, 30_000)
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2))
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

function describeNetworkError(error: Error): string {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message
}
