import {
  answerOtpSend,
  answerOtpVerify,
  answerPush,
  clientKeyFromAddress,
  type DedupeStore,
  type HttpAnswer,
  isOtpService,
  isYunpianClient,
  MemoryDedupeStore,
  notFound,
  OTP_BODY_LIMIT,
  OtpService,
  type OtpServiceOptions,
  otpSendBodySchema,
  otpVerifyBodySchema,
  problem,
  type ReplyRecord,
  type ReportEvent,
  type ReportQueue,
  type StatusReport,
  tooLarge,
  WEBHOOK_BODY_LIMIT,
  webhookSecretMatches,
  YunpianClient,
  type YunpianClientOptions,
} from '@yunpian-kit/core'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { z } from 'zod'

export interface YunpianDecorator {
  client: YunpianClient
  otp: OtpService
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by `yunpianPlugin`. */
    yunpian: YunpianDecorator
  }
}

export interface YunpianPluginOptions {
  /** A client, or its options (the plugin then creates it and closes it with the app). */
  client: YunpianClient | YunpianClientOptions
  /** A service, or its options without `client` (the plugin's client is used). */
  otp: OtpService | Omit<OtpServiceOptions, 'client'>
  /** `POST {prefix}/send` and `/verify` (default prefix `/otp`), or `false` for none. */
  routes?:
    | {
        prefix?: string
        purpose?: string
        onVerified?: (mobile: string, request: FastifyRequest) => unknown
        /** The per-client budget's key; default `request.ip` (so `trustProxy` applies), IPv6 by /64. */
        clientKey?: (request: FastifyRequest) => string
      }
    | false
  /** `POST {path}/{secret}` for Yunpian's pushes (default path `/yunpian/reports`), or `false`. */
  webhook?:
    | {
        path?: string
        secret: string
        onStatus?: (reports: StatusReport[], request: FastifyRequest) => unknown
        onReply?: (reply: ReplyRecord, request: FastifyRequest) => unknown
        /** Needed for reply pushes (their signature); default: the plugin client's options' apikey. */
        apikey?: string
        dedupe?: DedupeStore
        /** A durable queue (`RedisReportQueue`): `SUCCESS` once stored there; its handlers run the reports. */
        queue?: ReportQueue
        onEvent?: (event: ReportEvent) => void
      }
    | false
}

function fail(option: string, message: string): never {
  throw new TypeError(`@yunpian-kit/fastify: ${option} ${message}`)
}

function reply(res: FastifyReply, answer: HttpAnswer): FastifyReply {
  return res.code(answer.status).headers(answer.headers).send(answer.body)
}

/** Fastify's own 400/413/415 errors on these routes, as the contract's problem documents. */
function problemErrors(error: FastifyError, _request: FastifyRequest, res: FastifyReply): FastifyReply {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply(res, tooLarge(WEBHOOK_BODY_LIMIT))
  if ((error.statusCode ?? 500) < 500) {
    return reply(
      res,
      problem(error.statusCode ?? 400, 'invalid_request', 'The body is not valid JSON or form data.'),
    )
  }
  throw error
}

/** Body schemas derived from the core's zod schemas: written once, validated by Fastify. */
const sendBody = z.toJSONSchema(otpSendBodySchema, { target: 'draft-7' })
const verifyBody = z.toJSONSchema(otpVerifyBodySchema, { target: 'draft-7' })
const sentResponse = {
  type: 'object',
  properties: { status: { type: 'string' }, expiresIn: { type: 'integer' }, resendIn: { type: 'integer' } },
  required: ['status', 'expiresIn', 'resendIn'],
} as const

async function plugin(fastify: FastifyInstance, options: YunpianPluginOptions): Promise<void> {
  if (fastify.hasDecorator('yunpian')) fail('yunpianPlugin', 'is already registered on this instance')
  if (!options || typeof options !== 'object') fail('options', 'are required: { client, otp }')
  if (!isYunpianClient(options.client) && typeof options.client !== 'object')
    fail('client', 'must be a YunpianClient or its options')
  if (!isOtpService(options.otp) && typeof options.otp !== 'object')
    fail('otp', 'must be an OtpService or its options')
  const webhook = options.webhook ?? false
  if (webhook && (typeof webhook.secret !== 'string' || webhook.secret.length < 16)) {
    fail('webhook.secret', 'must be a string of at least 16 characters, hard to guess')
  }
  if (webhook && !webhook.onStatus && !webhook.onReply && !webhook.queue)
    fail('webhook', 'needs onStatus, onReply or a queue')

  // What the plugin creates, it closes; what it was given, it leaves open.
  const ownsClient = !isYunpianClient(options.client)
  const client = isYunpianClient(options.client) ? options.client : new YunpianClient(options.client)
  const otp = isOtpService(options.otp) ? options.otp : new OtpService({ ...options.otp, client })
  if (ownsClient) fastify.addHook('onClose', () => client.close())
  const replyApikey = webhook
    ? (webhook.apikey ?? (isYunpianClient(options.client) ? undefined : options.client.apikey))
    : undefined
  if (webhook && typeof webhook.onReply === 'function' && !replyApikey)
    fail('webhook.apikey', 'is required with onReply, to check reply signatures')

  fastify.decorate('yunpian', { client, otp })
  const report = (error: unknown) => fastify.log.error({ err: error }, '@yunpian-kit/fastify')

  const routes = options.routes ?? {}
  if (routes) {
    await fastify.register(
      async (scope) => {
        scope.setErrorHandler(problemErrors)
        scope.addContentTypeParser(
          'application/x-www-form-urlencoded',
          { parseAs: 'string', bodyLimit: OTP_BODY_LIMIT },
          (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
        )
        // attachValidation: a body that fails the schema still reaches the core, which answers the
        // contract's 400 with the same errors as every other adapter.
        scope.post(
          '/send',
          {
            bodyLimit: OTP_BODY_LIMIT,
            attachValidation: true,
            schema: { body: sendBody, response: { 202: sentResponse } },
          },
          async (request, res) => {
            const clientKey = routes.clientKey?.(request) ?? clientKeyFromAddress(request.ip)
            return reply(
              res,
              await answerOtpSend(otp, request.body, clientKey, { purpose: routes.purpose, report }),
            )
          },
        )
        scope.post(
          '/verify',
          { bodyLimit: OTP_BODY_LIMIT, attachValidation: true, schema: { body: verifyBody } },
          async (request, res) =>
            reply(
              res,
              await answerOtpVerify(
                otp,
                request.body,
                routes.clientKey?.(request) ?? clientKeyFromAddress(request.ip),
                {
                  purpose: routes.purpose,
                  report,
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
        scope.setErrorHandler(problemErrors)
        // Its own parser, scoped to this route: the raw form body as a string, bounded.
        scope.addContentTypeParser(
          'application/x-www-form-urlencoded',
          { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT },
          (_request, body, done) => done(null, body),
        )
        scope.post('/:secret', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (request, res) => {
          const { secret } = request.params as { secret?: string }
          if (!webhookSecretMatches(webhook.secret, secret)) return reply(res, notFound())
          return reply(
            res,
            await answerPush(
              typeof request.body === 'string'
                ? request.body
                : ((request.body ?? {}) as Record<string, unknown>),
              {
                secret: webhook.secret,
                dedupe,
                apikey: replyApikey,
                queue: webhook.queue,
                onEvent: webhook.onEvent,
                report,
                onStatus: webhook.onStatus && ((reports) => webhook.onStatus?.(reports, request)),
                onReply: webhook.onReply && ((r) => webhook.onReply?.(r, request)),
              },
            ),
          )
        })
        scope.post('/', async (_request, res) => reply(res, notFound()))
      },
      { prefix: webhook.path ?? '/yunpian/reports' },
    )
  }
}

/** `app.register(yunpianPlugin, { client, otp, routes, webhook })`. */
export const yunpianPlugin = fp(plugin, { name: '@yunpian-kit/fastify', fastify: '5.x' })
export default yunpianPlugin
