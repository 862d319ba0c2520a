import {
  isOtpService,
  isYunpianClient,
  MemoryDedupeStore,
  type OtpService,
  type ThrottleRule,
  type ThrottleStore,
  type YunpianClient,
  YunpianOptionsError,
} from '@yunpian-kit/core'
import {
  checkRouteLimit,
  checkWebhookOptions,
  consumeRouteLimit,
  notFound,
  problemFor,
  type RouteLimit,
  routeLimitId,
  webhookSecretMatches,
} from '@yunpian-kit/core/http'
import { type Context, type ErrorHandler, Hono, type MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import {
  problemResponse,
  pushResponse,
  sendResponse,
  toResponse,
  verifyResponse,
  type WebhookOptions,
} from '../routes.js'

/** What `yunpian()` puts on `c.var.yunpian`. */
export interface YunpianVariables {
  client: YunpianClient
  otp: OtpService
}

/** The app's `Env` once `yunpian()` runs: `new Hono<YunpianEnv>()` types `c.var.yunpian`. */
export type YunpianEnv = { Variables: { yunpian: YunpianVariables } }

const NAME = '@yunpian-kit/fetch/hono'

/** Bad options of `what` (`yunpianOtp()`): the option, what it got, what is allowed. */
function fail(what: string, option: string, allowed: string, received: unknown): never {
  throw new YunpianOptionsError(`${NAME} ${what}`, { option, allowed, received })
}

const defaultReport = (error: unknown) => console.error(`${NAME}:`, error)

/**
 * The request to read: Hono's own, or, when a middleware before ours already read the body through Hono
 * (`c.req.json()`, `text()`, `parseBody()`), a copy holding the bytes Hono kept. Its declared length still
 * decides the 413.
 */
async function unreadRequest(c: Context): Promise<Request> {
  const raw = c.req.raw
  if (!raw.bodyUsed) return raw
  const cache = c.req.bodyCache
  const onlyFormData = cache.formData && !cache.arrayBuffer && !cache.text && !cache.json && !cache.blob
  const body = onlyFormData
    ? new URLSearchParams(
        [...(await cache.formData!).entries()].filter((e): e is [string, string] => typeof e[1] === 'string'),
      )
    : await c.req.arrayBuffer()
  return new Request(raw.url, { method: raw.method, headers: raw.headers, body })
}

/** Puts the client and the OTP service on `c.var.yunpian` for the routes after it and your own. */
export function yunpian(options: YunpianVariables): MiddlewareHandler<YunpianEnv> {
  if (!isYunpianClient(options?.client))
    fail('yunpian()', 'client', 'must be a YunpianClient', options?.client)
  if (!isOtpService(options.otp)) fail('yunpian()', 'otp', 'must be an OtpService', options.otp)
  const variables: YunpianVariables = { client: options.client, otp: options.otp }
  return async (c, next) => {
    c.set('yunpian', variables)
    await next()
  }
}

/** What `yunpianOtp(options)` takes. */
export interface YunpianOtpOptions {
  /**
   * The `OtpService` to use.
   * @default `c.var.yunpian.otp`, from `yunpian()`
   */
  otp?: OtpService | undefined
  /**
   * The per-client budget's key, from something the client cannot forge. Required: on Node, Bun, Deno or
   * Workers, `getConnInfo(c).remote.address` from your runtime's `conninfo` helper, through
   * `clientKeyFromAddress`; behind your own proxy, the header only it sets.
   */
  clientKey: (c: Context<YunpianEnv>) => string | Promise<string>
  /** `(mobile, c) => unknown`: runs after a right code, before the 200 answer, with the E.164 number. */
  onVerified?: ((mobile: string, c: Context<YunpianEnv>) => unknown) | undefined
  /**
   * What the codes are for.
   * @default 'login'
   */
  purpose?: string | undefined
  /**
   * `RateLimit-Policy` and `RateLimit` on a sent code's 202 and on verify's 200 and 401 too; a 429 always
   * has them.
   * @default true
   */
  rateLimitHeaders?: boolean | undefined
  /**
   * Provider and infrastructure errors, for your log.
   * @default console.error
   */
  report?: ((error: unknown) => void) | undefined
}

/** `POST /send` and `POST /verify` as a sub-app: `app.route('/otp', yunpianOtp({ clientKey }))`. */
export function yunpianOtp(options: YunpianOtpOptions): Hono<YunpianEnv> {
  if (!options || typeof options !== 'object')
    fail('yunpianOtp()', '(options)', 'are required: { clientKey }', options)
  if (options.otp !== undefined && !isOtpService(options.otp))
    fail('yunpianOtp()', 'otp', 'must be an OtpService', options.otp)
  if (typeof options.clientKey !== 'function') {
    fail(
      'yunpianOtp()',
      'clientKey',
      "is required: a function returning the client's address (getConnInfo) or a header only your own proxy sets",
      options.clientKey,
    )
  }
  for (const name of ['onVerified', 'report'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function')
      fail('yunpianOtp()', name, 'must be a function', options[name])
  }
  const answerOptions = {
    purpose: options.purpose,
    rateLimitHeaders: options.rateLimitHeaders,
    report: options.report ?? defaultReport,
  }
  const otpOf = (c: Context<YunpianEnv>): OtpService => {
    const otp = options.otp ?? c.var.yunpian?.otp
    if (!otp) {
      fail(
        'yunpianOtp()',
        'otp',
        'is needed: use yunpian({ client, otp }) before yunpianOtp(), or pass yunpianOtp({ otp })',
        otp,
      )
    }
    return otp
  }
  const { clientKey, onVerified } = options
  return new Hono<YunpianEnv>()
    .post('/send', async (c) =>
      sendResponse(await unreadRequest(c), otpOf(c), () => clientKey(c), answerOptions),
    )
    .post('/verify', async (c) =>
      verifyResponse(await unreadRequest(c), otpOf(c), () => clientKey(c), {
        ...answerOptions,
        onVerified: onVerified && ((mobile) => onVerified(mobile, c)),
      }),
    )
}

/** What `yunpianReports(options)` takes. */
export interface YunpianReportsOptions extends WebhookOptions<Context> {
  /**
   * Provider and infrastructure errors, and pushes that are not valid, for your log.
   * @default console.error
   */
  report?: ((error: unknown) => void) | undefined
}

/** `POST /{secret}` for Yunpian's pushes: `app.route('/yunpian/reports', yunpianReports({ secret, onStatus }))`. */
export function yunpianReports(options: YunpianReportsOptions): Hono {
  checkWebhookOptions(`${NAME} yunpianReports()`, options)
  const { onStatus, onReply, dedupe, report, ...rest } = options
  const pushOptions = { ...rest, dedupe: dedupe ?? new MemoryDedupeStore(), report: report ?? defaultReport }
  return (
    new Hono()
      // The secret is checked before a byte of the body is read.
      .post('/:secret', async (c) =>
        webhookSecretMatches(options.secret, c.req.param('secret'))
          ? pushResponse(await unreadRequest(c), {
              ...pushOptions,
              onStatus: onStatus && ((reports) => onStatus(reports, c)),
              onReply: onReply && ((reply) => onReply(reply, c)),
            })
          : toResponse(notFound()),
      )
      .post('/', () => toResponse(notFound()))
  )
}

export interface OtpThrottleOptions extends Omit<RouteLimit<Context<YunpianEnv>>, 'rules'> {
  /**
   * Whose budget a request spends when `key` gives none. Required, as for `yunpianOtp()`: something the
   * client cannot forge, e.g. `clientKeyFromAddress(getConnInfo(c).remote.address)`.
   */
  clientKey: (c: Context<YunpianEnv>) => string | Promise<string>
  /**
   * The `ThrottleStore` the budget lives in.
   * @default the OTP service's (`c.var.yunpian.otp`), so the limit holds across instances as its do
   */
  store?: ThrottleStore | undefined
  /**
   * Store errors (the answer is then 503), for your log.
   * @default console.error
   */
  report?: ((error: unknown) => void) | undefined
}

/**
 * Limits a route of your own per client, with the OTP routes' store, 429 problem document and headers:
 * `app.post('/login', otpThrottle([{ name: 'login', limit: 5, windowMs: 60_000 }], { clientKey }), login)`.
 */
export function otpThrottle(
  rules: readonly ThrottleRule[],
  options: OtpThrottleOptions,
): MiddlewareHandler<YunpianEnv> {
  checkRouteLimit(`${NAME} otpThrottle()`, { ...options, rules })
  if (typeof options?.clientKey !== 'function') {
    fail(
      'otpThrottle()',
      'clientKey',
      "is required: a function returning the client's address (getConnInfo) or a header only your own proxy sets",
      options?.clientKey,
    )
  }
  const id = options.id ?? routeLimitId(rules)
  const report = options.report ?? defaultReport
  return async (c, next) => {
    if (options.skip && (await options.skip(c))) return next()
    const store = options.store ?? c.var.yunpian?.otp.throttle
    if (!store) {
      fail(
        'otpThrottle()',
        'store',
        'is needed: use yunpian({ client, otp }) before otpThrottle(), or pass otpThrottle(rules, { store })',
        store,
      )
    }
    const key = options.key?.(c) ?? (await options.clientKey(c))
    const outcome = await consumeRouteLimit(store, id, key, rules, { headers: options.headers })
    if (!outcome.allowed) return toResponse(problemFor(outcome.error, report))
    await next()
    for (const name in outcome.headers) c.res.headers.set(name, outcome.headers[name]!)
  }
}

/**
 * `app.onError(problemHandler())`: this toolkit's errors thrown in your own routes as the same problem
 * documents; any other error goes to `fallback` (default: what Hono itself answers).
 */
export function problemHandler(
  options: { report?: (error: unknown) => void; fallback?: ErrorHandler } = {},
): ErrorHandler {
  const report = options.report ?? defaultReport
  const fallback: ErrorHandler =
    options.fallback ??
    ((error, c) => {
      if (error instanceof HTTPException) return error.getResponse()
      console.error(error)
      return c.text('Internal Server Error', 500)
    })
  return (error, c) => problemResponse(error, report) ?? fallback(error, c)
}
