import type { IncomingMessage } from 'node:http'
import type { PushBody } from '../reports/parse.js'
import { type HttpAnswer, problem } from './problem.js'
import { OTP_BODY_LIMIT, tooLarge as payloadTooLarge, WEBHOOK_BODY_LIMIT } from './routes.js'

/** A body as an adapter hands it on, or the answer that refuses it. */
export type BodyOutcome<T> = { ok: true; body: T } | { ok: false; answer: HttpAnswer }

/** A Node request, with whatever a body parser the app mounted earlier left on it. */
export type NodeRequest = IncomingMessage & { body?: unknown; _body?: boolean }

/** 413 for a body refused unread: the rest of it is not read, so the connection cannot carry another request. */
export const tooLargeUnread = (limit: number): HttpAnswer => {
  const answer = payloadTooLarge(limit)
  answer.headers.connection = 'close'
  return answer
}

const notJsonOrForm = (): HttpAnswer =>
  problem(400, 'invalid_request', 'The body is not valid JSON or form data.')

/** Whether the declared length is over `limit`: refused before a byte of the body is read. */
export function declaredOver(req: Pick<IncomingMessage, 'headers'>, limit: number): boolean {
  const length = req.headers['content-length']
  return length !== undefined && Number(length) > limit
}

/** Whether a parser the app mounted before ours (Express, Nest) has read the body already. */
export function bodyConsumed(req: NodeRequest): boolean {
  return req._body === true || req.readableEnded
}

/**
 * The raw body, counted while it is read: `undefined` as soon as it passes `limit` (the rest is left unread
 * and the answer closes the connection).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        done()
        // Discarded as it arrives until the 413 closes the connection.
        req.resume()
        resolve(undefined)
      } else chunks.push(chunk)
    }
    const onEnd = () => {
      done()
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
    }
    const onError = (error: Error) => {
      done()
      reject(error)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
  })
}

function mediaType(req: IncomingMessage): string {
  const type = req.headers['content-type'] ?? ''
  const end = type.indexOf(';')
  return (end === -1 ? type : type.slice(0, end)).trim().toLowerCase()
}

/** JSON or a form, by the content type; another type gives no fields (the service then names them). */
function parseFields(type: string, raw: string): BodyOutcome<unknown> {
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return { ok: true, body: raw === '' ? {} : JSON.parse(raw) }
    } catch {
      return { ok: false, answer: notJsonOrForm() }
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    return { ok: true, body: Object.fromEntries(new URLSearchParams(raw)) }
  }
  return { ok: true, body: undefined }
}

/**
 * The body of `POST {prefix}/send` or `/verify` on a Node request: read here, at most 16 KiB, or taken from
 * a parser the app mounted before (a parsed object, a string or a Buffer). The answer to send instead when
 * it is too large or not JSON or a form.
 */
export async function readOtpBody(req: NodeRequest): Promise<BodyOutcome<unknown>> {
  if (declaredOver(req, OTP_BODY_LIMIT)) return { ok: false, answer: tooLargeUnread(OTP_BODY_LIMIT) }
  if (bodyConsumed(req)) {
    const body = req.body
    if (typeof body === 'string' || Buffer.isBuffer(body)) return parseFields(mediaType(req), String(body))
    return { ok: true, body }
  }
  const raw = await readBody(req, OTP_BODY_LIMIT)
  if (raw === undefined) return { ok: false, answer: tooLargeUnread(OTP_BODY_LIMIT) }
  return parseFields(mediaType(req), raw.toString('utf8'))
}

/**
 * The body of a push on a Node request, once its secret has been checked: read here, at most 256 KiB, or
 * taken from whatever parser the app mounted before (a string, a Buffer or a parsed form).
 */
export async function readPushBody(req: NodeRequest): Promise<BodyOutcome<PushBody>> {
  if (declaredOver(req, WEBHOOK_BODY_LIMIT)) return { ok: false, answer: tooLargeUnread(WEBHOOK_BODY_LIMIT) }
  if (bodyConsumed(req)) return { ok: true, body: pushBodyOf(req.body) }
  const raw = await readBody(req, WEBHOOK_BODY_LIMIT)
  if (raw === undefined) return { ok: false, answer: tooLargeUnread(WEBHOOK_BODY_LIMIT) }
  return { ok: true, body: raw.toString('utf8') }
}

/** Whatever a framework's parser made of a push body, as the push handler takes it. */
export function pushBodyOf(body: unknown): PushBody {
  if (typeof body === 'string') return body
  if (Buffer.isBuffer(body)) return body.toString('utf8')
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : ''
}
