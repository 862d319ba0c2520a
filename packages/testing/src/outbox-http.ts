import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Outbox } from './types.js'

/**
 * `GET /outbox` (every accepted message, oldest first), `GET /outbox?mobile=+447400123456` (the newest to
 * that number, with its `code`, or 404) and `DELETE /outbox`: so a browser test in any language can read
 * the code the app sent. Outside `/v2/`, so no Yunpian path is shadowed. Answers false for other paths.
 */
export function answerOutbox(req: IncomingMessage, res: ServerResponse, outbox: Outbox): boolean {
  const url = new URL(req.url ?? '/', 'http://fake')
  if (url.pathname !== '/outbox' && url.pathname !== '/outbox/') return false
  req.resume()
  const json = (status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body))
  if (req.method === 'DELETE') {
    outbox.clear()
    res.writeHead(204).end()
  } else if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD, DELETE' }).end()
  } else {
    const mobile = url.searchParams.get('mobile')
    if (mobile === null) json(200, outbox.all())
    else {
      const message = outbox.last(mobile)
      if (message) json(200, { ...message, code: outbox.lastCode(mobile) ?? null })
      else json(404, { error: `no message to ${mobile}` })
    }
  }
  return true
}
