import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { chinaTime, FakeClock } from './clock.js'
import { Courier } from './courier.js'
import { signEndpoints } from './endpoints/sign.js'
import { smsQueryEndpoints } from './endpoints/sms-query.js'
import { smsSendEndpoints } from './endpoints/sms-send.js'
import { tplEndpoints } from './endpoints/tpl.js'
import { userEndpoints } from './endpoints/user.js'
import { voiceEndpoints } from './endpoints/voice.js'
import { ApiFailure, fail, required } from './failure.js'
import { Faults, seededRandom } from './faults.js'
import { stringifyWithBigInts } from './json.js'
import { RecipientLimits } from './limits.js'
import { readMobile } from './mobile.js'
import { answerOutbox } from './outbox-http.js'
import type { EndpointGroup, FakeState } from './state.js'
import { Templates } from './templates.js'
import { FAKE_APIKEY, type FakeYunpian, type FakeYunpianOptions } from './types.js'

const MAX_BODY_BYTES = 1024 * 1024
const FIRST_SID = 2n ** 53n + 1n

/** Starts a fake Yunpian on loopback. Close it when done. */
export async function startFakeYunpian(options: FakeYunpianOptions = {}): Promise<FakeYunpian> {
  const apikey = options.apikey ?? FAKE_APIKEY
  const clock = new FakeClock(options.now)
  const random = seededRandom(options.seed ?? 1)
  const faults = new Faults(random)
  const rules =
    options.rules === false
      ? { antiHarassment: false, antiBombing: false }
      : {
          antiHarassment: options.rules?.antiHarassment ?? true,
          antiBombing: options.rules?.antiBombing ?? false,
        }
  const reports = options.reports ?? {}
  const courier = new Courier({
    delayMs: reports.delayMs ?? 20,
    retryDelayMs: reports.retryDelayMs ?? 50,
    retries: reports.retries ?? 3,
    replyRetryDelayMs: reports.replyRetryDelayMs ?? 10,
    replyRetries: reports.replyRetries ?? 5,
    timeoutMs: 5_000,
  })
  const state: FakeState = {
    apikey,
    clock,
    random,
    rules,
    limits: new RecipientLimits(),
    templates: new Templates(options.templates ?? []),
    countries: options.countries,
    blackWords: options.blackWords ?? ['代开发票'],
    blackWordAnswer: options.answers?.blackWord ?? 'array',
    templateUpdateAnswer: options.answers?.tplUpdate ?? 'wrapped',
    signs: new Map(
      (options.signs ?? []).map((sign) => [
        sign,
        { sign, status: 'SUCCESS' as const, vip: false, onlyGlobal: false, industryType: '其它' },
      ]),
    ),
    reports,
    courier,
    messages: [],
    pendingStatus: [],
    pendingReplies: [],
    pendingVoiceStatus: [],
    replies: [],
    account: {
      nick: 'fake',
      balance: options.balance ?? 1000,
      alarmBalance: 10,
      emergencyContact: '',
      emergencyMobile: '',
    },
    nextSid: FIRST_SID,
  }
  const { messages } = state
  const calls = new Map<string, number>()
  const handlers: EndpointGroup = {
    ...smsSendEndpoints(state),
    ...smsQueryEndpoints(state),
    ...userEndpoints(state),
    ...tplEndpoints(state),
    ...signEndpoints(state),
    ...voiceEndpoints(state),
  }

  const sockets = new Set<Socket>()
  const server: Server = createServer({ keepAliveTimeout: 10_000 }, (req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`fake yunpian crashed: ${(error as Error).message}`)
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/v2\/([a-z_]+\/[a-z_]+)\.json$/.exec((req.url ?? '').split('?')[0]!)
    const endpoint = match?.[1]
    const handler = endpoint ? handlers[endpoint] : undefined
    if (!endpoint || !handler) {
      if (answerOutbox(req, res, fake.outbox)) return
      // The official docs and SDKs are silent on paths that are not an API; the fake answers what a
      // web server in front of one does: an HTML 404, which no client may read as a Yunpian answer.
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>404 Not Found</body></html>')
      return
    }
    if (req.method !== 'POST') {
      req.resume()
      // yunpian-java-sdk Code.GET_METHOD_NOT_SUPPORT (11, 接口不支持GET方式调用).
      return answerError(res, new ApiFailure(11, '接口不支持GET方式调用', `${endpoint} 只接受 POST 请求`))
    }
    calls.set(endpoint, (calls.get(endpoint) ?? 0) + 1)
    const fault = faults.take(endpoint)
    if (fault?.kind === 'reset-before-request') {
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'hang') return
    const body = await readBody(req)
    if (body === undefined) {
      res
        .writeHead(413, { 'content-type': 'text/html' })
        .end('<html><body>413 Request Entity Too Large</body></html>')
      return
    }
    if (fault?.kind === 'latency') await new Promise((r) => setTimeout(r, fault.latencyMs))
    if (fault?.kind === 'http-500' || fault?.kind === 'http-502') {
      const status = fault.kind === 'http-500' ? 500 : 502
      res
        .writeHead(status, { 'content-type': 'text/html' })
        .end(`<html><body><h1>${status} Bad Gateway</h1></body></html>`)
      return
    }
    if (fault?.kind === 'system-busy')
      return answerError(res, new ApiFailure(-51, '系统繁忙', '系统繁忙，请稍后重试'))

    const fields = new URLSearchParams(body)
    let result: unknown
    try {
      if (required(fields, 'apikey') !== apikey) fail(-1, '非法的apikey', '请检查的apikey是否正确')
      result = handler(fields)
    } catch (error) {
      if (error instanceof ApiFailure) return answerError(res, error)
      // A bug in the fake still answers the envelope (code −50, 未知异常), never an HTML 500.
      return answerError(res, new ApiFailure(-50, '未知异常', (error as Error).message))
    }
    if (fault?.kind === 'reset-after-request') {
      req.socket.destroy()
      return
    }
    const json = stringifyWithBigInts(result)
    res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' })
    res.end(fault?.kind === 'malformed-json' ? json.slice(0, Math.max(1, json.length >> 1)) : json)
  }

  function answerError(res: ServerResponse, error: ApiFailure): void {
    res
      .writeHead(400, { 'content-type': 'application/json;charset=utf-8' })
      .end(JSON.stringify({ http_status_code: 400, code: error.code, msg: error.msg, detail: error.detail }))
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address

  const fake: FakeYunpian = {
    url: `http://${host}:${address.port}`,
    apikey,
    outbox: {
      all: () => messages,
      last(mobile) {
        const normalized = readMobile(mobile)?.normalized ?? mobile
        for (let i = messages.length - 1; i >= 0; i--)
          if (messages[i]!.mobile === normalized) return messages[i]
        return undefined
      },
      lastCode(mobile) {
        const text = this.last(mobile)?.text
        return text?.match(/\d{4,10}(?!.*\d{4,10})/s)?.[0]
      },
      clear: () => {
        messages.length = 0
      },
      get size() {
        return messages.length
      },
    },
    pushes: courier.attempts,
    calls,
    advance: (ms) => clock.advance(ms),
    now: () => clock.now(),
    fault: (kind, faultOptions) => faults.add(kind, faultOptions),
    clearFaults: () => faults.clear(),
    reply({ mobile, text, extend }) {
      const record: Record<string, string> = {
        id: randomBytes(16).toString('hex'),
        mobile: readMobile(mobile)?.normalized ?? mobile,
        text,
        reply_time: chinaTime(clock.now()),
        extend: extend ?? '',
        base_extend: '8888',
      }
      record._sign = replySignature(record, apikey)
      state.pendingReplies.push(record)
      state.replies.push(record)
      if (reports.replyUrl) courier.enqueue(reports.replyUrl, 'sms_reply', record)
    },
    reviewTemplate(id, status, reason) {
      state.templates.review(id, status, reason ?? null)
    },
    queueStatusReports(count) {
      const time = chinaTime(clock.now())
      for (let i = 0; i < count; i++) {
        state.pendingStatus.push({
          sid: state.nextSid++,
          uid: null,
          user_receive_time: time,
          error_msg: 'DELIVRD',
          error_detail: null,
          mobile: '13800138000',
          report_status: 'SUCCESS',
        })
      }
    },
    reportsSettled: () => courier.settled(),
    async close() {
      courier.close()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await closed
    },
  }
  return fake
}

/** `_sign` of a reply push: MD5 of the other fields' values ordered by key, `,`-joined, then `,apikey`. */
export function replySignature(record: Readonly<Record<string, string>>, apikey: string): string {
  const values = Object.keys(record)
    .filter((key) => key !== '_sign')
    .sort()
    .map((key) => record[key])
  return createHash('md5')
    .update(`${values.join(',')},${apikey}`, 'utf8')
    .digest('hex')
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data')
        req.resume()
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
