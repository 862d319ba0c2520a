import { type HttpAnswer, problem, tooLarge } from '@yunpian-kit/core/http'

/** A body read within its limit, or the answer that refused it. */
export type ReadBody = { ok: true; bytes: Uint8Array } | { ok: false; answer: HttpAnswer }

/**
 * Reads the body within `limit`, so a hostile client never gets more than `limit` bytes held in memory:
 * a declared `Content-Length` over it is refused before a byte is read; one within it frames the body
 * (HTTP/1.1 and HTTP/2 servers deliver exactly that many bytes, Node's parsers reject more), so the body is
 * taken whole, through the server's own fast path; a body without one (chunked) is counted as it streams
 * and cancelled as soon as it passes the limit.
 */
export async function readBounded(request: Request, limit: number): Promise<ReadBody> {
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > limit) return { ok: false, answer: tooLarge(limit) }
  if (request.bodyUsed) {
    throw new TypeError(
      '@yunpian-kit/fetch: the request body was already read before the yunpian-kit route; mount body parsers after it',
    )
  }
  // @hono/node-server reads a whole body straight from Node's request; `.body` would build a web stream.
  if (declared !== null && /^\d+$/.test(declared)) {
    const bytes = new Uint8Array(await request.arrayBuffer())
    return bytes.byteLength > limit ? { ok: false, answer: tooLarge(limit) } : { ok: true, bytes }
  }
  if (request.body === null) return { ok: true, bytes: new Uint8Array(0) }
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      return { ok: false, answer: tooLarge(limit) }
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return { ok: true, bytes: chunks[0]! }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return { ok: true, bytes }
}

const decoder = new TextDecoder()

/** The same body shapes the other adapters take: JSON, or a urlencoded form, as a plain object. */
export function parseOtpBody(
  bytes: Uint8Array,
  contentType: string | null,
): { ok: true; body: unknown } | { ok: false; answer: HttpAnswer } {
  if (bytes.byteLength === 0) return { ok: true, body: {} }
  const media = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase()
  const text = decoder.decode(bytes)
  if (media === 'application/json' || media.endsWith('+json')) {
    try {
      return { ok: true, body: JSON.parse(text) }
    } catch {
      return {
        ok: false,
        answer: problem(400, 'invalid_request', 'The body is not valid JSON or form data.'),
      }
    }
  }
  if (media === 'application/x-www-form-urlencoded') {
    return { ok: true, body: Object.fromEntries(new URLSearchParams(text)) }
  }
  return {
    ok: false,
    answer: problem(400, 'invalid_request', 'Send the body as application/json or a urlencoded form.'),
  }
}
