import type { ServerResponse } from 'node:http'
import { Logger } from '@nestjs/common'
import { clientKeyFromAddress, type HttpAnswer, writeAnswer } from '@yunpian-kit/core/http'

const logger = new Logger('YunpianModule')
/** Provider and infrastructure errors go to Nest's logger; their detail never reaches the client. */
export const report = (error: unknown): void =>
  logger.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error))

interface FastifyReplyLike {
  code(code: number): FastifyReplyLike
  headers(headers: Record<string, string>): FastifyReplyLike
  send(body: string): unknown
}

/** Writes an answer on either platform's response object. */
export function write(res: unknown, answer: HttpAnswer): void {
  const reply = res as Partial<FastifyReplyLike>
  if (typeof reply.code === 'function' && typeof reply.headers === 'function') {
    ;(reply as FastifyReplyLike).code(answer.status).headers(answer.headers).send(answer.body)
  } else {
    writeAnswer(res as ServerResponse, answer)
  }
}

/** Adds headers on either platform's response, before the handler answers. */
export function setHeaders(res: unknown, headers: Record<string, string>): void {
  const reply = res as Partial<FastifyReplyLike> & { setHeader?: (name: string, value: string) => void }
  if (typeof reply.code === 'function' && typeof reply.headers === 'function') reply.headers(headers)
  else for (const name in headers) reply.setHeader?.(name, headers[name]!)
}

/** The platform's client address (its trust-proxy setting applies), IPv6 grouped by /64. */
export function clientKeyOf(req: unknown): string {
  return clientKeyFromAddress((req as { ip?: string }).ip)
}
