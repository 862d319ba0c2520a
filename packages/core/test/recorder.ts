import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach } from 'vitest'

export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  /** The body exactly as it arrived, as text. */
  body: string
}

export interface Recorder {
  url: string
  requests: RecordedRequest[]
  close(): Promise<void>
}

const opened: Recorder[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((r) => r.close()))
})

/**
 * A raw node:http server on loopback that keeps every request byte for byte and answers each with the
 * next of `answers` (the last one repeats). Nothing of Yunpian's logic: the wire, and only the wire.
 */
export async function recorder(...answers: { status?: number; body: string }[]): Promise<Recorder> {
  const requests: RecordedRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      })
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!
      res
        .writeHead(answer.status ?? 200, { 'content-type': 'application/json;charset=utf-8' })
        .end(answer.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const r: Recorder = {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  opened.push(r)
  return r
}
