import {
  isOtpService,
  isYunpianClient,
  MemoryDedupeStore,
  type OtpService,
  type ThrottleRule,
  type ThrottleStore,
  type YunpianClient,
  YunpianError,
  YunpianOptionsError,
} from '@yunpian-kit/core'
import {
  answerOtpSend,
  answerOtpVerify,
  answerPush,
  checkRouteLimit,
  checkWebhookOptions,
  clientKeyFromAddress,
  consumeRouteLimit,
  notFound,
  problemFor,
  type RouteLimit,
  readOtpBody,
  readPushBody,
  routeLimitId,
  type WebhookOptions,
  webhookSecretMatches,
  writeAnswer,
} from '@yunpian-kit/core/http'
import { type ErrorRequestHandler, type Request, type RequestHandler, type Response, Router } from 'express'

/** What `yunpian()` puts on every request. */
export interface YunpianLocals {
  /** The `YunpianClient` your own routes send with. */
  client: YunpianClient
  /** The `OtpService` the routes below use. */
  otp: OtpService
}

declare global {
  namespace Express {
    interface Request {
      /** Set by `yunpian()`. */
      yunpian?: YunpianLocals
    }
  }
}

const NAME = '@yunpian-kit/express'

/** Bad options of `what` (`otpRouter()`): the option, what it got, what is allowed. */
function fail(what: string, option: string, allowed: string, received: unknown): never {
  throw new YunpianOptionsError(`${NAME} ${what}`, { option, allowed, received })
}

const defaultReport = (error: unknown) => console.error(`${NAME}:`, error)

/** Puts the client and the OTP service on `req.yunpian` for the routes below it and your own. */
export function yunpian(options: YunpianLocals): RequestHandler {
  if (!isYunpianClient(options?.client))
    fail('yunpian()', 'client', 'must be a YunpianClient', options?.client)
  if (!isOtpService(options.otp)) fail('yunpian()', 'otp', 'must be an OtpService', options.otp)
  const locals = { client: options.client, otp: options.otp }
  return (req, _res, next) => {
    req.yunpian = locals
    next()
  }
}

/** What `otpRouter(options)` takes. */
export interface OtpRouterOptions {
  /**
   * The `OtpService` to use.
   * @default `req.yunpian.otp`, from `yunpian()`
   */
  otp?: OtpService | undefined
  /** `(mobile, req) => unknown`: runs after a right code (E.164 number), before the 200; `req.res` sets cookies. */
  onVerified?: ((mobile: string, req: Request) => unknown) | undefined
  /**
   * What the codes are for; a code verifies only for its purpose.
   * @default 'login'
   */
  purpose?: string | undefined
  /**
   * `(req) => string`: the per-client budget's key.
   * @default `req.ip` (so `trust proxy` applies), IPv6 by /64
   */
  clientKey?: ((req: Request) => string) | undefined
  /**
   * Provider and infrastructure errors, for your log.
   * @default console.error
   */
  report?: ((error: unknown) => void) | undefined
  /**
   * `RateLimit-Policy` and `RateLimit` on a sent code's 202 and verify's 200 and 401 too; a 429 always has them.
   * @default true
   */
  rateLimitHeaders?: boolean | undefined
}

/** `POST /send` and `POST /verify`, answering the contract's statuses and problem documents. */
export function otpRouter(options: OtpRouterOptions = {}): Router {
  if (options.otp !== undefined && !isOtpService(options.otp))
    fail('otpRouter()', 'otp', 'must be an OtpService', options.otp)
  for (const name of ['onVerified', 'clientKey', 'report'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function')
      fail('otpRouter()', name, 'must be a function', options[name])
  }
  const report = options.report ?? defaultReport
  const otpOf = (req: Request): OtpService => {
    const otp = options.otp ?? req.yunpian?.otp
    if (!otp)
      fail(
        'otpRouter()',
        'otp',
        'is needed: mount yunpian({ client, otp }) before otpRouter(), or pass otpRouter({ otp })',
        otp,
      )
    return otp
  }
  // The routes read their own bodies (bounded while read), or take what an app-wide parser left.
  const router = Router()
  router.post('/send', async (req: Request, res: Response) => {
    const read = await readOtpBody(req)
    if (!read.ok) return writeAnswer(res, read.answer)
    const clientKey = options.clientKey?.(req) ?? clientKeyFromAddress(req.ip)
    writeAnswer(
      res,
      await answerOtpSend(otpOf(req), read.body, clientKey, {
        purpose: options.purpose,
        report,
        rateLimitHeaders: options.rateLimitHeaders,
      }),
    )
  })
  router.post('/verify', async (req: Request, res: Response) => {
    const read = await readOtpBody(req)
    if (!read.ok) return writeAnswer(res, read.answer)
    const clientKey = options.clientKey?.(req) ?? clientKeyFromAddress(req.ip)
    writeAnswer(
      res,
      await answerOtpVerify(otpOf(req), read.body, clientKey, {
        purpose: options.purpose,
        report,
        rateLimitHeaders: options.rateLimitHeaders,
        onVerified: options.onVerified && ((mobile) => options.onVerified?.(mobile, req)),
      }),
    )
  })
  return router
}

/** What `reportsWebhook(options)` takes: the webhook options every adapter takes, and a `report`. */
export interface ReportsWebhookOptions extends WebhookOptions<Request> {
  /**
   * Errors, for your log.
   * @default console.error
   */
  report?: ((error: unknown) => void) | undefined
}

/** `POST /{secret}`: Yunpian's status and reply pushes, deduplicated, answered `SUCCESS`. */
export function reportsWebhook(options: ReportsWebhookOptions): Router {
  checkWebhookOptions(`${NAME} reportsWebhook()`, options)
  const dedupe = options.dedupe ?? new MemoryDedupeStore()
  const report = options.report ?? defaultReport
  const router = Router()
  const handle: RequestHandler = async (req, res) => {
    // The secret first: a stranger's request is answered before a byte of its body is read.
    if (!webhookSecretMatches(options.secret, String(req.params.secret ?? '')))
      return writeAnswer(res, notFound())
    const read = await readPushBody(req)
    if (!read.ok) return writeAnswer(res, read.answer)
    writeAnswer(
      res,
      await answerPush(read.body, {
        secret: options.secret,
        dedupe,
        apikey: options.apikey,
        queue: options.queue,
        onEvent: options.onEvent,
        report,
        onStatus: options.onStatus && ((reports) => options.onStatus?.(reports, req)),
        onReply: options.onReply && ((reply) => options.onReply?.(reply, req)),
      }),
    )
  }
  router.post('/:secret', handle)
  router.post('/', (_req, res) => writeAnswer(res, notFound()))
  return router
}

/** Renders this toolkit's errors as problem documents; other errors go on to your handlers. */
export function problemHandler(options: { report?: (error: unknown) => void } = {}): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (!(error instanceof YunpianError) || res.headersSent) return next(error)
    writeAnswer(res, problemFor(error, options.report ?? defaultReport))
  }
}

export interface OtpThrottleOptions extends Omit<RouteLimit<Request>, 'rules'> {
  /**
   * The `ThrottleStore` the budget lives in.
   * @default the OTP service's (`req.yunpian.otp`), so the limit holds across instances as its do
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
 * `app.post('/login', otpThrottle([{ name: 'login', limit: 5, windowMs: 60_000 }]), login)`. Mount it before
 * the route's body parser, so a refused request costs no parsing.
 */
export function otpThrottle(
  rules: readonly ThrottleRule[],
  options: OtpThrottleOptions = {},
): RequestHandler {
  checkRouteLimit(`${NAME} otpThrottle()`, { ...options, rules })
  const id = options.id ?? routeLimitId(rules)
  const report = options.report ?? defaultReport
  return async (req, res, next) => {
    if (options.skip && (await options.skip(req))) return next()
    const store = options.store ?? req.yunpian?.otp.throttle
    if (!store)
      fail(
        'otpThrottle()',
        'store',
        'is needed: mount yunpian({ client, otp }) before otpThrottle(), or pass otpThrottle(rules, { store })',
        store,
      )
    const key = options.key?.(req) ?? clientKeyFromAddress(req.ip)
    const outcome = await consumeRouteLimit(store, id, key, rules, { headers: options.headers })
    if (!outcome.allowed) return writeAnswer(res, problemFor(outcome.error, report))
    for (const name in outcome.headers) res.setHeader(name, outcome.headers[name]!)
    next()
  }
}
