import type { IncomingMessage, ServerResponse } from 'node:http'
import { Transform } from 'node:stream'
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common'
import { HttpAdapterHost } from '@nestjs/core'
import {
  declaredOver,
  type HttpAnswer,
  type NodeRequest,
  notFound,
  OTP_BODY_LIMIT,
  readOtpBody,
  readPushBody,
  tooLargeUnread,
  WEBHOOK_BODY_LIMIT,
  webhookSecretMatches,
  writeAnswer,
} from '@yunpian-kit/core/http'
import { write } from './http.js'
import {
  YUNPIAN_MODULE_OPTIONS,
  YUNPIAN_PATHS,
  type YunpianModuleOptions,
  type YunpianPaths,
} from './options.js'

/** Which of the module's routes a request is for, from its path (a global prefix may precede it). */
export type RouteKind = 'otp' | 'webhook' | undefined

export function routeMatcher(paths: YunpianPaths): (path: string) => RouteKind {
  const send = paths.otp && `${paths.otp}/send`
  const verify = paths.otp && `${paths.otp}/verify`
  const webhook = paths.webhook && `${paths.webhook}/`
  return (path) => {
    if (send && (path.endsWith(send) || path.endsWith(verify!))) return 'otp'
    if (webhook) {
      const at = path.lastIndexOf(webhook)
      if (at !== -1 && path.indexOf('/', at + webhook.length) === -1) return 'webhook'
    }
    return undefined
  }
}

interface ExpressLike {
  use(handler: (req: NodeRequest, res: ServerResponse, next: (error?: unknown) => void) => void): void
  router?: { stack?: unknown[] }
}

interface FastifyRequestLike {
  method: string
  headers: IncomingMessage['headers']
  params: unknown
  routeOptions: { url?: string }
}
interface FastifyLike {
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: unknown) => Promise<unknown>): void
  addHook(
    name: 'preParsing',
    hook: (request: FastifyRequestLike, reply: unknown, payload: NodeJS.ReadableStream) => Promise<unknown>,
  ): void
}

/**
 * The module's routes read their bodies the contract's way on either platform: the webhook's secret
 * before its body, 16 KiB for the OTP routes and 256 KiB for the webhook, counted while read, 413 problem
 * documents. Nest's own body parsers are app-wide and run before any route, so this is installed on the
 * platform itself, ahead of them: when the module is created (`NestFactory.create`), or at module init
 * for an application created later (`Test.createTestingModule`).
 */
@Injectable()
export class YunpianBodies implements OnModuleInit {
  #installed = false

  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(YUNPIAN_PATHS) private readonly paths: YunpianPaths,
    @Inject(YUNPIAN_MODULE_OPTIONS) private readonly options: YunpianModuleOptions,
  ) {
    this.#install(false)
  }

  onModuleInit(): void {
    this.#install(true)
  }

  #install(late: boolean): void {
    const adapter = this.host?.httpAdapter
    if (this.#installed || !adapter || (!this.paths.otp && !this.paths.webhook)) return
    this.#installed = true
    const kindOf = routeMatcher(this.paths)
    const secret = this.options.webhook?.secret ?? ''
    if (adapter.getType() === 'fastify') {
      installOnFastify(adapter.getInstance<FastifyLike>(), kindOf, secret)
    } else {
      installOnExpress(adapter.getInstance<ExpressLike>(), kindOf, secret, late)
    }
  }
}

function installOnExpress(
  app: ExpressLike,
  kindOf: (path: string) => RouteKind,
  secret: string,
  late: boolean,
): void {
  app.use(async function yunpianBodies(req, res, next) {
    const path = req.method === 'POST' ? (req.url ?? '').split('?', 1)[0]! : ''
    const kind = path && kindOf(path)
    if (!kind) return next()
    try {
      let answer: HttpAnswer | undefined
      if (kind === 'otp') {
        const read = await readOtpBody(req)
        if (read.ok) req.body = read.body
        else answer = read.answer
      } else if (!webhookSecretMatches(secret, decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)))) {
        answer = notFound()
      } else {
        const read = await readPushBody(req)
        if (read.ok) req.body = read.body
        else answer = read.answer
      }
      if (answer) return writeAnswer(res, answer)
      // Read here: Nest's own parsers see a finished body and leave it be.
      req._body = true
      next()
    } catch (error) {
      next(error)
    }
  })
  // Installed after Nest's parsers and routes (a testing module): move ahead of them.
  const stack = app.router?.stack
  if (late && stack) stack.unshift(stack.pop())
}

function installOnFastify(app: FastifyLike, kindOf: (path: string) => RouteKind, secret: string): void {
  const routeKind = (request: FastifyRequestLike): RouteKind =>
    request.method === 'POST' ? kindOf(request.routeOptions.url ?? '') : undefined
  app.addHook('onRequest', async (request, reply) => {
    const kind = routeKind(request)
    if (!kind) return
    if (kind === 'webhook') {
      const given = (request.params as { secret?: string } | undefined)?.secret
      if (!webhookSecretMatches(secret, given)) return answer(reply, notFound())
    }
    const limit = kind === 'otp' ? OTP_BODY_LIMIT : WEBHOOK_BODY_LIMIT
    if (declaredOver(request, limit)) return answer(reply, tooLargeUnread(limit))
  })
  app.addHook('preParsing', async (request, _reply, payload) => {
    const kind = routeKind(request)
    if (!kind) return payload
    return bounded(payload, kind === 'otp' ? OTP_BODY_LIMIT : WEBHOOK_BODY_LIMIT)
  })
}

/** Answers from a Fastify hook: the reply is returned, so Fastify stops there. */
function answer(reply: unknown, answer: HttpAnswer): unknown {
  write(reply, answer)
  return reply
}

/** The body stream, failing with Fastify's own 413 error once more than `limit` bytes arrive. */
function bounded(payload: NodeJS.ReadableStream, limit: number): Transform {
  let size = 0
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length
      if (size <= limit) return callback(null, chunk)
      callback(
        Object.assign(new Error(`The body is larger than ${limit} bytes.`), {
          statusCode: 413,
          code: 'FST_ERR_CTP_BODY_TOO_LARGE',
        }),
      )
    },
  })
  return payload.pipe(counted)
}
