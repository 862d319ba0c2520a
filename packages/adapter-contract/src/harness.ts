import { request as httpRequest } from 'node:http'
import {
  MemoryDedupeStore,
  MemoryOtpStore,
  MemoryThrottleStore,
  OtpService,
  type OtpServiceOptions,
  type ReplyRecord,
  type StatusReport,
  type ThrottleRule,
  YunpianClient,
} from '@yunpian-kit/core'
import { type FakeYunpian, type FakeYunpianOptions, startFakeYunpian } from '@yunpian-kit/testing'
import { afterEach, expect } from 'vitest'

/**
 * A body parser the app mounted app-wide before the toolkit's routes, leaving the body as that type:
 * Express `express.text({ type: '*∕*' })`, `express.raw(…)`, `express.urlencoded()`, `express.json()`;
 * on Fastify a root content-type parser giving the same.
 */
export type AppParser = 'text' | 'raw' | 'urlencoded' | 'json'

/**
 * The app's own routes an adapter's test app mounts for the suite (`describeAdapterContract(…, { appRoutes:
 * true })`), as a user writes them with the adapter's access to the service:
 * - `POST /app/login` `{ mobile }` calls `otp.send({ mobile, clientKey: 'app' })` and answers 200
 *   `{ "ok": true }`, leaving the toolkit's errors to the adapter's rendering;
 * - `POST /app/crash` throws `new Error('boom')`, for the framework's own handling;
 * - `POST /app/limited` answers 200 `{ "ok": true }` behind the adapter's route limit, `APP_ROUTE_LIMIT`.
 */
export const APP_ROUTE_LIMIT: AppRouteLimit = {
  rules: [{ name: 'app-route', limit: 2, windowMs: 60_000 }],
  skip: (headers) => header(headers, 'x-internal') === 'yes',
  key: (headers) => header(headers, 'x-user'),
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** A limit on one of the app's own routes, as the adapter's route-limit API takes it. */
export interface AppRouteLimit {
  rules: readonly ThrottleRule[]
  /** Requests this returns true for are not counted (health checks, internal addresses). */
  skip: (headers: Record<string, string | string[] | undefined>) => boolean
  /** The budget's key; the adapter's default (the client address) when it returns undefined. */
  key: (headers: Record<string, string | string[] | undefined>) => string | undefined
}

/** What every adapter is started with; it mounts the OTP routes at `prefix` and the webhook at `webhook.path`. */
export interface AdapterSetup {
  client: YunpianClient
  otp: OtpService
  prefix: string
  onVerified: (mobile: string) => void | Promise<void>
  webhook: {
    path: string
    secret: string
    apikey: string
    dedupe: MemoryDedupeStore
    onStatus: (reports: StatusReport[]) => void | Promise<void>
    onReply: (reply: ReplyRecord) => void | Promise<void>
  }
  /** When set, mount this body parser app-wide before the toolkit's routes. */
  appParser?: AppParser
  /** The OTP routes' `rateLimitHeaders` option: pass it on (`undefined`: the adapter's default). */
  rateLimitHeaders?: boolean
}

export interface RunningApp {
  /** `http://127.0.0.1:PORT`: the suite speaks real HTTP to it. */
  url: string
  close(): Promise<void>
}

export type StartApp = (setup: AdapterSetup) => Promise<RunningApp>

export const UK = '+447400123456'
export const SG = '+6591234567'
export const SECRET = 'webhook-secret-0123456789abcdef'

export interface Scenario {
  fake?: FakeYunpianOptions
  otp?: Partial<OtpServiceOptions>
  onStatus?: AdapterSetup['webhook']['onStatus']
  appParser?: AppParser
  rateLimitHeaders?: boolean
}

export interface Answer {
  status: number
  headers: Headers
  text: string
  body: Record<string, unknown>
}

/** The suite's app factory: each test's fake Yunpian, services and adapter app, closed after the test. */
export function contractApps(start: StartApp) {
  const opened: { close(): Promise<void> }[] = []
  afterEach(async () => {
    for (const x of opened.splice(0).reverse()) await x.close()
  })

  return async function app(scenario: Scenario = {}) {
    const fake: FakeYunpian = await startFakeYunpian({ ...scenario.fake })
    const client = new YunpianClient({
      apikey: fake.apikey,
      baseUrl: fake.url,
      retries: 0,
      timeoutMs: 1_000,
    })
    opened.push(fake, client)
    const verified: string[] = []
    const statuses: StatusReport[] = []
    const replies: ReplyRecord[] = []
    const otp = new OtpService({
      client,
      secret: 'contract-secret-contract-secret-contract',
      message: ({ code }) => `【Acme】Your code is ${code}.`,
      countries: ['GB', 'SG'],
      beforeSend: ({ captchaToken }) => captchaToken !== 'bot',
      throttle: new MemoryThrottleStore(),
      codes: new MemoryOtpStore(),
      ...scenario.otp,
    })
    const running = await start({
      client,
      otp,
      prefix: '/otp',
      onVerified: (mobile) => void verified.push(mobile),
      webhook: {
        path: '/yunpian/reports',
        secret: SECRET,
        apikey: fake.apikey,
        dedupe: new MemoryDedupeStore(),
        onStatus: scenario.onStatus ?? ((r) => void statuses.push(...r)),
        onReply: (r) => void replies.push(r),
      },
      ...(scenario.appParser ? { appParser: scenario.appParser } : {}),
      rateLimitHeaders: scenario.rateLimitHeaders,
    })
    opened.push(running)
    const post = async (
      path: string,
      body: unknown,
      type = 'application/json',
      headers: Record<string, string> = {},
    ): Promise<Answer> => {
      const response = await fetch(`${running.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': type, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      })
      return answerOf(response.status, response.headers, await response.text())
    }
    return { fake, client, otp, verified, statuses, replies, post, url: running.url }
  }
}

function answerOf(status: number, headers: Headers, text: string): Answer {
  let body: Record<string, unknown> = {}
  try {
    body = JSON.parse(text)
  } catch {}
  return { status, headers, text, body }
}

/**
 * A POST over a raw connection: `chunks` are written as given (chunked unless `contentLength` is set), and
 * with `stall` the body never ends, so an answer proves the server did not wait for the body.
 */
export function rawPost(
  url: string,
  path: string,
  options: { type: string; chunks: Buffer[]; contentLength?: number; stall?: boolean },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': options.type }
    if (options.contentLength !== undefined) headers['content-length'] = options.contentLength
    const req = httpRequest(`${url}${path}`, { method: 'POST', headers }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => {
        req.destroy()
        const h = new Headers()
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v)
        resolve(answerOf(res.statusCode ?? 0, h, Buffer.concat(parts).toString('utf8')))
      })
      res.on('error', reject)
    })
    // The server may close the connection once it has answered; the answer is what counts.
    req.on('error', (error) => {
      if (!req.destroyed || !(error as { code?: string }).code?.startsWith('EC')) reject(error)
    })
    const write = (i: number) => {
      if (req.destroyed) return
      if (i === options.chunks.length) {
        if (!options.stall) req.end()
        return
      }
      req.write(options.chunks[i], () => setImmediate(() => write(i + 1)))
    }
    write(0)
  })
}

export const expectProblem = (r: Answer, status: number, code: string) => {
  expect(r.status).toBe(status)
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  expect(r.body).toMatchObject({
    status,
    code,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  })
}

export const statusBody = (sid: string) =>
  `sms_status=${encodeURIComponent(
    `[{"sid":${sid},"uid":null,"user_receive_time":"2024-05-06 07:08:09","error_msg":"DELIVRD","mobile":"13800138000","report_status":"SUCCESS"}]`,
  )}`
export const FORM = 'application/x-www-form-urlencoded'
