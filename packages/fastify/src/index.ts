import {
  isOtpService,
  isYunpianClient,
  MemoryDedupeStore,
  OtpService,
  type OtpServiceOptions,
  type ThrottleStore,
  YunpianClient,
  type YunpianClientOptions,
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
  type HttpAnswer,
  notFound,
  OTP_BODY_LIMIT,
  otpSendBodySchema,
  otpVerifyBodySchema,
  problem,
  problemFor,
  pushBodyOf,
  type RouteLimit,
  routeLimitId,
  tooLargeUnread,
  WEBHOOK_BODY_LIMIT,
  type WebhookOptions,
  webhookSecretMatches,
} from '@yunpian-kit/core/http'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { z } from 'zod'

/** What `app.yunpian` holds. */
export interface YunpianDecorator {
  /** The plugin's `YunpianClient`. */
  client: YunpianClient
  /** The plugin's `OtpService`. */
  otp: OtpService
}

/** A limit on a route of your own: `config: { otpThrottle: { rules, key, skip } }` on the route. */
export interface OtpRouteLimit extends RouteLimit<FastifyRequest> {
  /**
   * The `ThrottleStore` the budget lives in.
   * @default the plugin's OTP service's, so the limit holds across instances as its do
   */
  store?: ThrottleStore | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by `yunpianPlugin`. */
    yunpian: YunpianDecorator
  }
  interface FastifyContextConfig {
    /** Limits this route per client, with the OTP routes' store, 429 problem document and headers. */
    otpThrottle?: OtpRouteLimit
  }
}

/** What `yunpianPlugin` takes. */
export interface YunpianPluginOptions {
  /** A `YunpianClient`, or its options (the plugin then creates it and closes it with the app). */
  client: YunpianClient | YunpianClientOptions
  /** An `OtpService`, or its options without `client` (the plugin's client is used; stores included). */
  otp: OtpService | Omit<OtpServiceOptions, 'client'>
  /**
   * `POST {prefix}/send` and `/verify`, or `false` for none.
   * @default `{ prefix: '/otp' }`
   */
  routes?: YunpianPluginRoutes | false | undefined
  /**
   * `POST {path}/{secret}` for Yunpian's pushes, or `false`.
   * @default false
   */
  webhook?: YunpianPluginWebhook | false | undefined
  /**
   * Render this toolkit's errors thrown in your own routes (an `app.yunpian.otp.send()` in a login
   * handler) as the contract's problem documents, leaving every other error to Fastify. Applies to routes
   * declared after the plugin is registered that have no `errorHandler` of their own.
   * @default true
   */
  problemHandler?: boolean | undefined
}

/** The plugin's `routes`: where the OTP routes are mounted and how they behave. */
export interface YunpianPluginRoutes {
  /**
   * Where `POST /send` and `/verify` are mounted.
   * @default '/otp'
   */
  prefix?: string | undefined
  /**
   * What the codes are for.
   * @default 'login'
   */
  purpose?: string | undefined
  /** `(mobile, request) => unknown`: runs after a right code (E.164 number), before the 200. */
  onVerified?: ((mobile: string, request: FastifyRequest) => unknown) | undefined
  /**
   * `(request) => string`: the per-client budget's key.
   * @default `request.ip` (so `trustProxy` applies), IPv6 by /64
   */
  clientKey?: ((request: FastifyRequest) => string) | undefined
  /**
   * `RateLimit-Policy` and `RateLimit` on a sent code's 202 and verify's 200 and 401 too; a 429 always has them.
   * @default true
   */
  rateLimitHeaders?: boolean | undefined
}

/** The plugin's `webhook`: the webhook options every adapter takes, where they are mounted, an apikey fallback. */
export interface YunpianPluginWebhook extends WebhookOptions<FastifyRequest> {
  /**
   * Where `POST /{secret}` is mounted.
   * @default '/yunpian/reports'
   */
  path?: string | undefined
  /**
   * Your apikey, to check reply signatures.
   * @default the client options' apikey
   */
  apikey?: string | undefined
}

const NAME = '@yunpian-kit/fastify'

/** Bad plugin options: the option, what it got, what is allowed. */
function fail(option: string, allowed: string, received: unknown): never {
  throw new YunpianOptionsError(`${NAME} yunpianPlugin`, { option, allowed, received })
}

function reply(res: FastifyReply, answer: HttpAnswer): FastifyReply {
  return res.code(answer.status).headers(answer.headers).send(answer.body)
}

/** Provider and infrastructure errors go to the request's logger (with its id); never to the client. */
function reportTo(request: FastifyRequest): (error: unknown) => void {
  return (error) => request.log.error({ err: error }, `${NAME}: request failed`)
}

/** Fastify's own 400/413/415 errors on a scope's routes, as the contract's problem documents. */
function problemErrors(limit: number) {
  return (error: FastifyError, _request: FastifyRequest, res: FastifyReply): FastifyReply => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply(res, tooLargeUnread(limit))
    if ((error.statusCode ?? 500) < 500) return reply(res, notJsonOrForm())
    throw error
  }
}

const notJsonOrForm = () => problem(400, 'invalid_request', 'The body is not valid JSON or form data.')

/**
 * The scope's parser for `type`, replacing one the app registered before the plugin (its
 * `@fastify/formbody`, a catch-all): these routes read bodies the contract's way whatever the app mounted.
 */
function ownParser(
  scope: FastifyInstance,
  type: string,
  bodyLimit: number,
  parse: (body: string) => unknown,
): void {
  if (scope.hasContentTypeParser(type)) scope.removeContentTypeParser(type)
  scope.addContentTypeParser(type, { parseAs: 'string', bodyLimit }, (_request, body, done) =>
    done(null, parse(body as string)),
  )
}

/** Validation is the core's (the same 400 everywhere); the schemas document. No coercion of types. */
const noValidation = () => () => true

/** Body schemas derived from the core's zod schemas: written once, validated by Fastify. */
const sendBody = z.toJSONSchema(otpSendBodySchema, { target: 'draft-7' })
const verifyBody = z.toJSONSchema(otpVerifyBodySchema, { target: 'draft-7' })
const sentResponse = {
  type: 'object',
  properties: { status: { type: 'string' }, expiresIn: { type: 'integer' }, resendIn: { type: 'integer' } },
  required: ['status', 'expiresIn', 'resendIn'],
} as const

async function plugin(fastify: FastifyInstance, options: YunpianPluginOptions): Promise<void> {
  if (fastify.hasDecorator('yunpian'))
    throw new TypeError(`${NAME}: yunpianPlugin is already registered on this instance`)
  if (!options || typeof options !== 'object') fail('(options)', 'are required: { client, otp }', options)
  if (!isYunpianClient(options.client) && typeof options.client !== 'object')
    fail('client', 'must be a YunpianClient or its options', options.client)
  if (!isOtpService(options.otp) && typeof options.otp !== 'object')
    fail('otp', 'must be an OtpService or its options', options.otp)
  const webhook = options.webhook ?? false
  const replyApikey = webhook
    ? (webhook.apikey ?? (isYunpianClient(options.client) ? undefined : options.client.apikey))
    : undefined
  if (webhook) checkWebhookOptions(`${NAME} yunpianPlugin`, { ...webhook, apikey: replyApikey }, 'webhook.')

  // What the plugin creates, it closes; what it was given, it leaves open.
  const ownsClient = !isYunpianClient(options.client)
  const client = isYunpianClient(options.client) ? options.client : new YunpianClient(options.client)
  const otp = isOtpService(options.otp) ? options.otp : new OtpService({ ...options.otp, client })
  if (ownsClient) fastify.addHook('onClose', () => client.close())

  fastify.decorate('yunpian', { client, otp })
  const renderErrors = options.problemHandler !== false
  fastify.addHook('onRoute', (route: RouteOptions) => {
    // This toolkit's errors thrown in the app's routes (declared after the plugin) become problem
    // documents; every other error goes on to the scope's handler. A route's own errorHandler wins.
    if (renderErrors) route.errorHandler ??= renderToolkitErrors
    const limit = route.config?.otpThrottle
    if (limit) {
      // First of the route's onRequest hooks: a refused request costs nothing more.
      const own = route.onRequest === undefined ? [] : [route.onRequest].flat()
      route.onRequest = [routeLimitHook(limit, otp.throttle, route.url), ...own]
    }
  })

  const routes = options.routes ?? {}
  if (routes) {
    await fastify.register(
      async (scope) => {
        scope.setErrorHandler(problemErrors(OTP_BODY_LIMIT))
        ownParser(scope, 'application/x-www-form-urlencoded', OTP_BODY_LIMIT, (body) =>
          Object.fromEntries(new URLSearchParams(body)),
        )
        // Any other type gives no fields: the core's 400 names what is missing, as on every adapter.
        ownParser(scope, '*', OTP_BODY_LIMIT, () => undefined)
        const common = { bodyLimit: OTP_BODY_LIMIT, validatorCompiler: noValidation }
        scope.post(
          '/send',
          { ...common, schema: { body: sendBody, response: { 202: sentResponse } } },
          async (request, res) => {
            const clientKey = routes.clientKey?.(request) ?? clientKeyFromAddress(request.ip)
            return reply(
              res,
              await answerOtpSend(otp, request.body, clientKey, {
                purpose: routes.purpose,
                report: reportTo(request),
                rateLimitHeaders: routes.rateLimitHeaders,
              }),
            )
          },
        )
        scope.post('/verify', { ...common, schema: { body: verifyBody } }, async (request, res) =>
          reply(
            res,
            await answerOtpVerify(
              otp,
              request.body,
              routes.clientKey?.(request) ?? clientKeyFromAddress(request.ip),
              {
                purpose: routes.purpose,
                report: reportTo(request),
                rateLimitHeaders: routes.rateLimitHeaders,
                onVerified: routes.onVerified && ((mobile) => routes.onVerified?.(mobile, request)),
              },
            ),
          ),
        )
      },
      { prefix: routes.prefix ?? '/otp' },
    )
  }

  if (webhook) {
    const dedupe = webhook.dedupe ?? new MemoryDedupeStore()
    await fastify.register(
      async (scope) => {
        scope.setErrorHandler(problemErrors(WEBHOOK_BODY_LIMIT))
        // Its own parser for every type, scoped to this route: the raw body as a string, bounded while
        // read, whatever parsers the app registered.
        scope.removeAllContentTypeParsers()
        scope.addContentTypeParser(
          '*',
          { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT },
          (_request, body, done) => done(null, body),
        )
        scope.post(
          '/:secret',
          {
            bodyLimit: WEBHOOK_BODY_LIMIT,
            // The secret before the body: a stranger's request is answered before a byte of it is read.
            onRequest: async (request, res) => {
              const { secret } = request.params as { secret?: string }
              if (!webhookSecretMatches(webhook.secret, secret)) return reply(res, notFound())
            },
          },
          async (request, res) =>
            reply(
              res,
              await answerPush(pushBodyOf(request.body), {
                secret: webhook.secret,
                dedupe,
                apikey: replyApikey,
                queue: webhook.queue,
                onEvent: webhook.onEvent,
                report: reportTo(request),
                onStatus: webhook.onStatus && ((reports) => webhook.onStatus?.(reports, request)),
                onReply: webhook.onReply && ((r) => webhook.onReply?.(r, request)),
              }),
            ),
        )
        scope.post('/', async (_request, res) => reply(res, notFound()))
      },
      { prefix: webhook.path ?? '/yunpian/reports' },
    )
  }
}

/** Renders this toolkit's errors as problem documents; rethrows every other error to the scope's handler. */
function renderToolkitErrors(error: unknown, request: FastifyRequest, res: FastifyReply): FastifyReply {
  if (!(error instanceof YunpianError)) throw error
  return reply(res, problemFor(error, reportTo(request)))
}

/** The `onRequest` hook of a route with `config.otpThrottle`. */
function routeLimitHook(limit: OtpRouteLimit, serviceStore: ThrottleStore, url: string) {
  checkRouteLimit(`${NAME} route ${url}`, limit, 'config.otpThrottle.')
  const id = limit.id ?? routeLimitId(limit.rules)
  const store = limit.store ?? serviceStore
  return async function yunpianRouteLimit(request: FastifyRequest, res: FastifyReply) {
    if (limit.skip && (await limit.skip(request))) return
    const key = limit.key?.(request) ?? clientKeyFromAddress(request.ip)
    const outcome = await consumeRouteLimit(store, id, key, limit.rules, { headers: limit.headers })
    if (!outcome.allowed) return reply(res, problemFor(outcome.error, reportTo(request)))
    res.headers(outcome.headers)
  }
}

/** `app.register(yunpianPlugin, { client, otp, routes, webhook })`. */
export const yunpianPlugin = fp(plugin, { name: NAME, fastify: '5.x' })
export default yunpianPlugin
