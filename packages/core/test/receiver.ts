import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { answerPush, type WebhookRouteOptions } from '../src/http/index.js'

/**
 * A real webhook on loopback: `answerPush` behind node:http, as the adapters mount it. Resolves with the
 * URL to give sends as `callbackUrl`, and a close function.
 */
export async function startReceiver(
  options: Omit<WebhookRouteOptions, 'secret'>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    let body = ''
    for await (const chunk of req) body += chunk
    const answer = await answerPush(body, { ...options, secret: 'receiver-secret-0123456789' })
    res.writeHead(answer.status, answer.headers).end(answer.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/yunpian/reports/receiver-secret-0123456789`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
