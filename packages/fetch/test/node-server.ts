import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import type { RunningApp } from '@yunpian-kit/adapter-contract'

/** Each converted request's socket address: what a platform would hand the app's `clientKey`. */
export const addresses = new WeakMap<Request, string | undefined>()

/** Node's request as the standard `Request`, its body streamed (not buffered). */
export function toRequest(req: IncomingMessage): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v)
    else if (value !== undefined) headers.set(name, value)
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  } as RequestInit)
  addresses.set(request, req.socket.remoteAddress)
  return request
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers))
  if (response.body) for await (const chunk of response.body) res.write(chunk)
  res.end()
}

/** A bare `node:http` server in front of a web-standard handler, on a real port. */
export async function serveHandler(handler: (request: Request) => Promise<Response>): Promise<RunningApp> {
  const server = createServer((req, res) => {
    handler(toRequest(req)).then(
      (response) => writeResponse(res, response),
      (error) => {
        res.statusCode = 500
        res.end(String(error))
      },
    )
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
