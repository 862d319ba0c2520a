import { timingSafeEqual } from 'node:crypto'
import { isIPv6 } from 'node:net'
import { z } from 'zod'
import { YunpianOptionsError } from '../errors.js'
import { OTP_FIELD_RULES, type OtpField } from '../otp/fields.js'
import type { OtpService } from '../otp/service.js'
import type { DedupeStore } from '../reports/dedupe.js'
import { handlePush, type PushHandlerOptions, type ReportEvent } from '../reports/handle.js'
import type { PushBody } from '../reports/parse.js'
import type { ReportQueue } from '../reports/queue.js'
import type { ReplyRecord, StatusReport } from '../reports/records.js'
import type { StringFieldRule } from '../validation/fields.js'
import { budgetHeaders, type HttpAnswer, problem, problemFor, rateLimitHeaders } from './problem.js'

/** Bodies of the OTP routes are small; a larger one is refused before it is parsed. */
export const OTP_BODY_LIMIT = 16 * 1024
/** Yunpian's pushes hold at most 100 records, about 40 KiB. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024

/** A field's rule as a schema: the same string, length and pattern the service checks. */
function fieldSchema(field: OtpField) {
  const rule: StringFieldRule = OTP_FIELD_RULES[field]
  const schema = z.string().min(1).max(rule.max)
  return rule.pattern ? schema.regex(rule.pattern) : schema
}

/** Schemas of the route bodies, built from the service's field rules (Fastify declares them as JSON schemas). */
export const otpSendBodySchema = z.object({
  mobile: fieldSchema('mobile'),
  captchaToken: fieldSchema('captchaToken').optional(),
})
export const otpVerifyBodySchema = z.object({
  mobile: fieldSchema('mobile'),
  code: fieldSchema('code'),
})

/** The body's own fields, or nothing; the OTP service checks them (and says what is wrong). */
function fields(body: unknown): Record<string, unknown> {
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {}
}

const json = (status: number, body: unknown): HttpAnswer => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
})

export interface OtpRouteOptions {
  /**
   * What the codes are for; set by the server, never by the client.
   * @default 'login'
   */
  purpose?: string
  /**
   * Receives provider and infrastructure errors for the log (their detail never reaches the client).
   * @default none: not logged
   */
  report?: (error: unknown) => void
  /**
   * `RateLimit-Policy` and `RateLimit` on a sent code's 202 and on verify's 200 and 401 too; a 429 always has
   * them.
   * @default true
   */
  rateLimitHeaders?: boolean
}

/** `POST {prefix}/send`: the contract's answer for a parsed body. */
export async function answerOtpSend(
  otp: OtpService,
  body: unknown,
  clientKey: string,
  options: OtpRouteOptions = {},
): Promise<HttpAnswer> {
  try {
    const { mobile, captchaToken } = fields(body)
    const sent = await otp.send({
      mobile: mobile as string,
      clientKey,
      purpose: options.purpose ?? 'login',
      ...(captchaToken === undefined ? {} : { captchaToken: captchaToken as string }),
    })
    const answer = json(202, { status: 'sent', expiresIn: sent.expiresIn, resendIn: sent.resendIn })
    if (options.rateLimitHeaders !== false)
      Object.assign(answer.headers, budgetHeaders(otp.limits.perNumber, sent.remaining, sent.resendIn))
    return answer
  } catch (error) {
    return problemFor(error, options.report)
  }
}

/**
 * `POST {prefix}/verify`. `onVerified` runs after a right code, with the number in canonical E.164, before the
 * answer (so a failing app hook is an error, not a silent success). Wrong, expired, used-up and unknown codes
 * all get the same 401; 429 comes only from the caller's failed-verify budget (`clientKey`).
 */
export async function answerOtpVerify(
  otp: OtpService,
  body: unknown,
  clientKey: string,
  options: OtpRouteOptions & { onVerified?: (mobile: string) => unknown } = {},
): Promise<HttpAnswer> {
  try {
    const { mobile, code } = fields(body)
    const result = await otp.verify({
      mobile: mobile as string,
      code: code as string,
      purpose: options.purpose ?? 'login',
      clientKey,
    })
    // The client's failed-verify budget, which a verify spends before comparing.
    const budget = (answer: HttpAnswer) => {
      if (options.rateLimitHeaders !== false && 'remaining' in result)
        Object.assign(answer.headers, budgetHeaders(otp.limits.failedVerifiesPerClient, result.remaining))
      return answer
    }
    if (result.ok) {
      await options.onVerified?.(result.mobile)
      return budget(json(200, { status: 'verified' }))
    }
    if (result.reason === 'rate_limited') {
      return problem(
        429,
        'rate_limited',
        `Too many wrong codes from this client; try again in ${Math.ceil(result.retryAfterMs / 1000)} seconds.`,
        { rule: result.rule, retryAfter: Math.ceil(result.retryAfterMs / 1000) },
        rateLimitHeaders(result.rule, result.retryAfterMs, result.limit, result.windowMs),
      )
    }
    return budget(problem(401, 'code_invalid', 'The code is wrong or has expired. Ask for a new one.'))
  } catch (error) {
    return problemFor(error, options.report)
  }
}

export interface WebhookRouteOptions extends Omit<PushHandlerOptions, 'onEvent'> {
  /** The secret path segment Yunpian is given: `{path}/{secret}`. At least 16 characters. */
  secret: string
  /** `(event) => void`: duplicates, failed handlers, dead letters, for logs and metrics. */
  onEvent?: PushHandlerOptions['onEvent']
  /**
   * Receives provider and infrastructure errors for the log (their detail never reaches Yunpian).
   * @default none: not logged
   */
  report?: (error: unknown) => void
}

/**
 * The webhook options every adapter takes, its handlers given the framework's request (`Request`): one
 * type, so each adapter only adds what is its own (a path, a `report`, its apikey fallback).
 */
export interface WebhookOptions<Request> {
  /** The last path segment you give Yunpian (`{path}/{secret}`): 16 characters or more, hard to guess; a wrong one answers 404. */
  secret: string
  /** `(reports, request) => unknown`: delivery reports, each once; `SUCCESS` is answered only once it succeeded. */
  onStatus?: ((reports: StatusReport[], request: Request) => unknown) | undefined
  /** `(reply, request) => unknown`: replies to your SMS, each once (needs an apikey to check their signatures). */
  onReply?: ((reply: ReplyRecord, request: Request) => unknown) | undefined
  /**
   * Your apikey, to check reply signatures.
   * @default none (`onReply` needs it: refused at start-up without it)
   */
  apikey?: string | undefined
  /**
   * Where pushes taken are remembered, shared across instances (`RedisDedupeStore`) so a re-sent report is
   * handled once anywhere.
   * @default a `MemoryDedupeStore`
   */
  dedupe?: DedupeStore | undefined
  /**
   * A durable queue (`RedisReportQueue`): pushes are answered `SUCCESS` once stored there, and its own
   * handlers run them. Without one, `SUCCESS` only after `onStatus`/`onReply` finished.
   * @default none
   */
  queue?: ReportQueue | undefined
  /** `(event) => void`: duplicates, failed handlers, dead letters, for logs and metrics. */
  onEvent?: ((event: ReportEvent) => void) | undefined
}

/** What the webhook check reads; `apikey` is the one replies will be checked with (the adapter's fallback applied). */
export interface WebhookOptionsToCheck {
  secret: string
  /** Handlers of any signature: each adapter passes its own request to them. */
  onStatus?: unknown
  onReply?: unknown
  queue?: unknown
  apikey?: string | undefined
}

/**
 * The start-up checks of every adapter's webhook: a secret hard to guess, something that takes the reports,
 * and the apikey reply signatures need. Throws a `YunpianOptionsError` naming the option (`prefix` first, as
 * the user writes it: `webhook.`), what it got and what is allowed; the secret itself never appears in it.
 */
export function checkWebhookOptions(owner: string, options: WebhookOptionsToCheck, prefix = ''): void {
  const secret: unknown = options?.secret
  if (typeof secret !== 'string' || secret.length < 16) {
    throw new YunpianOptionsError(owner, {
      option: `${prefix}secret`,
      allowed: 'must be a string of at least 16 characters, hard to guess',
      received: secret,
    })
  }
  if (!options.onStatus && !options.onReply && !options.queue) {
    throw new YunpianOptionsError(owner, {
      option: `${prefix}onStatus`,
      allowed: 'needs onStatus, onReply or a queue, so that reports are taken; got none of them',
    })
  }
  if (options.onReply && !options.apikey) {
    throw new YunpianOptionsError(owner, {
      option: `${prefix}apikey`,
      allowed: 'is required with onReply, to check reply signatures',
      received: options.apikey,
    })
  }
}

/** Whether a request may reach the webhook: the path secret, compared in constant time. */
export function webhookSecretMatches(expected: string, given: string | undefined): boolean {
  const a = Buffer.from(expected)
  const b = Buffer.from(given ?? '')
  return a.length === b.length && timingSafeEqual(a, b)
}

export const notFound = (): HttpAnswer => problem(404, 'not_found', 'Not found.')
export const tooLarge = (limit: number): HttpAnswer =>
  problem(413, 'payload_too_large', `The body is larger than ${limit} bytes.`)

/**
 * `POST {webhookPath}/{secret}` with the raw body already read (and bounded by the adapter): parse,
 * deduplicate, then answer `SUCCESS` only once the handler finished (or the queue stored the push);
 * otherwise ask Yunpian to retry.
 */
export async function answerPush(body: PushBody, options: WebhookRouteOptions): Promise<HttpAnswer> {
  try {
    const outcome = await handlePush(body, options)
    return outcome.acknowledge
      ? { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'SUCCESS' }
      : {
          status: 503,
          headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '60' },
          body: 'RETRY',
        }
  } catch (error) {
    return problemFor(error, options.report)
  }
}

/**
 * The per-client budget's key from the framework's client address (its trust-proxy setting applies):
 * IPv4 as is, IPv6 grouped by /64, since one subscriber holds a whole /64.
 */
export function clientKeyFromAddress(address: string | undefined): string {
  if (!address) return 'unknown'
  const ip = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
  // No colon, no IPv6: most addresses skip the IPv6 pattern.
  if (!ip.includes(':') || !isIPv6(ip)) return ip
  const [head = '', tail = ''] = ip.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = ip.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left
  // An IPv4 client in any IPv6 spelling (`::FFFF:1.2.3.4`, `::ffff:102:304`, written out in full) is that
  // IPv4 address: grouped by /64, every IPv4 client would share one budget.
  const mapped = ip.match(
    /^(?:0{0,4}:){0,5}:?ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i,
  )
  if (mapped && groups.slice(0, 5).every((g) => Number.parseInt(g || '0', 16) === 0)) {
    if (mapped[1]) return mapped[1]
    const high = Number.parseInt(mapped[2]!, 16)
    const low = Number.parseInt(mapped[3]!, 16)
    return [high >> 8, high & 255, low >> 8, low & 255].join('.')
  }
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`
}
