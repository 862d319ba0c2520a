import { isOtpService, MemoryDedupeStore, type OtpService, YunpianOptionsError } from '@yunpian-kit/core'
import { checkWebhookOptions, notFound, webhookSecretMatches } from '@yunpian-kit/core/http'
import { pushResponse, sendResponse, toResponse, verifyResponse, type WebhookOptions } from './routes.js'

/** `POST {prefix}/send` and `POST {prefix}/verify`. */
export interface OtpRoutesOptions {
  /**
   * The path the routes sit under, as the request's URL shows it.
   * @default '/otp'
   */
  prefix?: string | undefined
  /**
   * What the codes are for; set by the server, never by the client.
   * @default 'login'
   */
  purpose?: string | undefined
  /**
   * The per-client budget's key, from something the client cannot forge: your platform's client
   * address, or a header only your own proxy sets. Required: a web `Request` carries no address, and
   * a header any client can send would let one client spend everyone's budget (or dodge its own).
   * Pass addresses through `clientKeyFromAddress` so IPv6 clients are grouped by /64.
   */
  clientKey: (request: Request) => string | Promise<string>
  /** `(mobile, request) => unknown`: runs after a right code, before the 200 answer, with the E.164 number. */
  onVerified?: ((mobile: string, request: Request) => unknown) | undefined
  /**
   * `RateLimit-Policy` and `RateLimit` on a sent code's 202 and on verify's 200 and 401 too; a 429 always
   * has them.
   * @default true
   */
  rateLimitHeaders?: boolean | undefined
}

/** The handler's `webhook`: Yunpian's pushes at `POST {path}/{secret}`. */
export interface HandlerWebhookOptions extends WebhookOptions<Request> {
  /**
   * Where the webhook sits, as the request's URL shows it.
   * @default '/yunpian/reports'
   */
  path?: string | undefined
}

/** What `yunpianHandler(options)` takes. */
export interface YunpianHandlerOptions {
  /**
   * The verification-code service; not needed with `routes: false`.
   * @default none (refused at start-up unless `routes: false`)
   */
  otp?: OtpService | undefined
  /**
   * `POST {prefix}/send` and `POST {prefix}/verify`, or `false` for none (a webhook-only handler).
   * @default `{}`: both routes under `/otp`
   */
  routes?: OtpRoutesOptions | false | undefined
  /**
   * `POST {path}/{secret}` for Yunpian's pushes, or `false`.
   * @default false
   */
  webhook?: HandlerWebhookOptions | false | undefined
  /**
   * Provider and infrastructure errors, for your log; never sent to clients.
   * @default console.error
   */
  report?: ((error: unknown) => void) | undefined
}

const NAME = '@yunpian-kit/fetch'

/** Bad options: the option, what it got, what is allowed. */
function fail(option: string, allowed: string, received: unknown): never {
  throw new YunpianOptionsError(`${NAME} yunpianHandler()`, { option, allowed, received })
}

/** `/otp/` and `/otp` alike; `/` and `` are the root. */
function trimSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path
}

/** The path of a request URL without building a `URL`: everything from the first `/` after the host. */
function pathnameOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start === -1) return '/'
  let end = url.length
  for (const stop of ['?', '#']) {
    const at = url.indexOf(stop, start)
    if (at !== -1 && at < end) end = at
  }
  return url.slice(start, end)
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/**
 * The contract's routes as one web-standard handler, `(request: Request) => Promise<Response>`: serve it
 * from Next.js route handlers, Hono's `app.mount`, Bun, Deno or any server that speaks `Request`. A request
 * it does not serve gets the contract's 404 problem document.
 */
export function yunpianHandler(options: YunpianHandlerOptions): (request: Request) => Promise<Response> {
  if (!options || typeof options !== 'object')
    fail('(options)', 'are required: { otp, routes, webhook }', options)
  const routes = options.routes ?? ({} as OtpRoutesOptions)
  const webhook = options.webhook ?? false
  if (routes) {
    if (!isOtpService(options.otp)) fail('otp', 'must be an OtpService (or pass routes: false)', options.otp)
    if (typeof routes.clientKey !== 'function') {
      fail(
        'routes.clientKey',
        "is required: a function returning the client's address from your platform (or from a header only your own proxy sets)",
        routes.clientKey,
      )
    }
    if (routes.onVerified !== undefined && typeof routes.onVerified !== 'function')
      fail('routes.onVerified', 'must be a function', routes.onVerified)
  }
  if (webhook) checkWebhookOptions(`${NAME} yunpianHandler()`, webhook, 'webhook.')
  if (!routes && !webhook)
    fail('routes', 'and webhook both off serve nothing: give routes, webhook or both', routes)
  if (options.report !== undefined && typeof options.report !== 'function')
    fail('report', 'must be a function', options.report)
  const report = options.report ?? ((error: unknown) => console.error(`${NAME}:`, error))

  const prefix = routes ? trimSlash(routes.prefix ?? '/otp') : ''
  const sendPath = `${prefix}/send`
  const verifyPath = `${prefix}/verify`
  const otp = options.otp as OtpService
  const otpOptions = {
    purpose: routes ? routes.purpose : undefined,
    rateLimitHeaders: routes ? routes.rateLimitHeaders : undefined,
    report,
  }

  const hookPath = webhook ? trimSlash(webhook.path ?? '/yunpian/reports') : ''
  const hookOptions = webhook
    ? (() => {
        const { path: _path, onStatus, onReply, dedupe, ...rest } = webhook
        return { rest, onStatus, onReply, dedupe: dedupe ?? new MemoryDedupeStore() }
      })()
    : undefined

  return async (request) => {
    if (request.method !== 'POST') return toResponse(notFound())
    const path = pathnameOf(request.url)
    if (routes) {
      const clientKey = () => routes.clientKey(request)
      if (path === sendPath) return sendResponse(request, otp, clientKey, otpOptions)
      if (path === verifyPath) {
        return verifyResponse(request, otp, clientKey, {
          ...otpOptions,
          onVerified: routes.onVerified && ((mobile) => routes.onVerified?.(mobile, request)),
        })
      }
    }
    if (hookOptions && path.startsWith(`${hookPath}/`)) {
      // The secret is checked before a byte of the body is read.
      const secret = decodeSegment(path.slice(hookPath.length + 1))
      if (!webhookSecretMatches(hookOptions.rest.secret, secret)) return toResponse(notFound())
      const { onStatus, onReply } = hookOptions
      return pushResponse(request, {
        ...hookOptions.rest,
        dedupe: hookOptions.dedupe,
        report,
        onStatus: onStatus && ((reports) => onStatus(reports, request)),
        onReply: onReply && ((reply) => onReply(reply, request)),
      })
    }
    return toResponse(notFound())
  }
}
