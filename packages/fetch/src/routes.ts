import { type DedupeStore, type OtpService, YunpianError } from '@yunpian-kit/core'
import {
  answerOtpSend,
  answerOtpVerify,
  answerPush,
  type WebhookOptions as CoreWebhookOptions,
  type HttpAnswer,
  OTP_BODY_LIMIT,
  problemFor,
  WEBHOOK_BODY_LIMIT,
  type WebhookRouteOptions,
} from '@yunpian-kit/core/http'
import { parseOtpBody, readBounded } from './body.js'

/** The core's framework-free answer as a web `Response`. */
export function toResponse(answer: HttpAnswer): Response {
  const response = new Response(answer.body, { status: answer.status, headers: answer.headers })
  // A refused body may still be arriving: close the connection rather than read on (Node servers).
  if (answer.status === 413) response.headers.set('connection', 'close')
  return response
}

/**
 * This toolkit's errors thrown in your own routes (an `OtpService` call in a login handler) as the same
 * problem documents the routes answer; `undefined` for any other error, which stays yours to render.
 */
export function problemResponse(error: unknown, report?: (error: unknown) => void): Response | undefined {
  return error instanceof YunpianError ? toResponse(problemFor(error, report)) : undefined
}

/** What both OTP routes share, whatever serves them. */
export interface OtpAnswerOptions {
  purpose?: string | undefined
  report: (error: unknown) => void
  rateLimitHeaders?: boolean | undefined
}

async function otpBody(
  request: Request,
): Promise<{ ok: true; body: unknown } | { ok: false; answer: HttpAnswer }> {
  const read = await readBounded(request, OTP_BODY_LIMIT)
  return read.ok ? parseOtpBody(read.bytes, request.headers.get('content-type')) : read
}

/** `POST {prefix}/send` for a web request. */
export async function sendResponse(
  request: Request,
  otp: OtpService,
  clientKey: () => string | Promise<string>,
  options: OtpAnswerOptions,
): Promise<Response> {
  const parsed = await otpBody(request)
  if (!parsed.ok) return toResponse(parsed.answer)
  return toResponse(await answerOtpSend(otp, parsed.body, await clientKey(), options))
}

/** `POST {prefix}/verify` for a web request; `onVerified` runs before the 200. */
export async function verifyResponse(
  request: Request,
  otp: OtpService,
  clientKey: () => string | Promise<string>,
  options: OtpAnswerOptions & { onVerified?: ((mobile: string) => unknown) | undefined },
): Promise<Response> {
  const parsed = await otpBody(request)
  if (!parsed.ok) return toResponse(parsed.answer)
  return toResponse(await answerOtpVerify(otp, parsed.body, await clientKey(), options))
}

/**
 * The webhook's options, whatever serves it: the webhook options every adapter takes, whose handlers receive
 * the request that carried the push, and the push handling's `dedupeTtlMs` and `leaseMs`.
 */
export interface WebhookOptions<R>
  extends CoreWebhookOptions<R>,
    Pick<WebhookRouteOptions, 'dedupeTtlMs' | 'leaseMs'> {}

/**
 * `POST {path}/{secret}` once the secret matched: the raw body, read within 256 KiB, to the core's push
 * handling; `SUCCESS` only once the push is safe.
 */
export async function pushResponse(
  request: Request,
  options: WebhookRouteOptions & { dedupe: DedupeStore },
): Promise<Response> {
  const read = await readBounded(request, WEBHOOK_BODY_LIMIT)
  if (!read.ok) return toResponse(read.answer)
  return toResponse(await answerPush(read.bytes, options))
}
