import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { chinaTime, FakeClock, parseChinaTime } from './clock.js'
import { Courier, type PushAttempt } from './courier.js'
import { type FaultKind, type FaultOptions, Faults, seededRandom } from './faults.js'
import { stringifyWithBigInts } from './json.js'
import { ANTI_BOMBING, ANTI_HARASSMENT, RecipientLimits } from './limits.js'
import { billedCount, type FakeMobile, readMobile } from './mobile.js'

/** The apikey the fake accepts unless told otherwise (32 characters, like a real one). */
export const FAKE_APIKEY = 'fa4e0000000000000000000000000000'

export interface FakeTemplate {
  /** `tpl_id` for `tpl_single_send`; assigned from 1 when omitted. */
  id?: number
  /** With `#name#` placeholders, e.g. `【Acme】Your code is #code#`. */
  text: string
  /** ISO countries an international number may be in for this template (else code 23). */
  countries?: string[]
}

export interface FakeYunpianOptions {
  apikey?: string
  host?: string
  /** 0 (default) picks a free port. */
  port?: number
  /**
   * Yunpian's per-recipient rules. Anti-harassment (same text to one number: 1 per 30 s, 3 per 5 min;
   * codes 8, 9) is on by default, as at Yunpian; anti-bombing (one number: 1 per 30 s, 3 per hour, 10 per
   * 24 h; codes 33, 22, 17) is off unless asked for. `false` turns both off (benchmarks).
   */
  rules?: false | { antiHarassment?: boolean; antiBombing?: boolean }
  /** Approved templates. When given, a text that matches none answers code 5. */
  templates?: FakeTemplate[]
  /** ISO countries international numbers may be in. When given, others answer code 20. */
  countries?: string[]
  /** Start of the fake's clock (a fixed time), or a clock function; real time by default. */
  now?: number | Date | (() => number)
  /** Seed of the fake's random choices (fault ratios, report outcomes). */
  seed?: number
  /** Starting balance in RMB for `user/get` (default 1000). */
  balance?: number
  reports?: {
    /** Where reports go when a send had no `callback_url` (Yunpian's console-wide setting). */
    pushUrl?: string
    /** Where replies go. */
    replyUrl?: string
    /** Real milliseconds between acceptance and the push (default 20). */
    delayMs?: number
    /** Share of messages reported delivered (default 1). */
    successRatio?: number
    /** Real milliseconds between status push retries (default 50; Yunpian waits 5 minutes). */
    retryDelayMs?: number
    /** Retries after the first status push (default 3, as Yunpian). */
    retries?: number
    /** Real milliseconds between reply push retries (default 10; Yunpian waits 1 minute). */
    replyRetryDelayMs?: number
    /** Retries after the first reply push (default 5, as Yunpian's reply docs say). */
    replyRetries?: number
  }
}

/** A message the fake accepted. */
export interface OutboxMessage {
  sid: string
  /** As Yunpian normalises it: mainland numbers without +86, others E.164. */
  mobile: string
  text: string
  endpoint: string
  uid: string | null
  extend: string | null
  callbackUrl: string | null
  register: boolean
  tplId: number | null
  count: number
  fee: number
  /** On the fake's clock. */
  sentAt: number
  report: 'SUCCESS' | 'FAIL'
}

export interface Outbox {
  all(): readonly OutboxMessage[]
  /** The newest message to `mobile` (as sent or normalised), if any. */
  last(mobile: string): OutboxMessage | undefined
  /** The last run of 4 to 10 digits in the newest message to `mobile`: the verification code. */
  lastCode(mobile: string): string | undefined
  clear(): void
  readonly size: number
}

export interface FakeYunpian {
  /** `http://127.0.0.1:PORT`, to give the client as `baseUrl`. */
  readonly url: string
  readonly apikey: string
  readonly outbox: Outbox
  /** Every push the fake made, with the receiver's answer. */
  readonly pushes: readonly PushAttempt[]
  /** Number of HTTP calls answered or dropped, by endpoint. */
  readonly calls: ReadonlyMap<string, number>
  /** Moves the fake's clock (limits, report times) forward. */
  advance(ms: number): void
  now(): number
  fault(kind: FaultKind, options?: FaultOptions): void
  clearFaults(): void
  /** An inbound SMS from `mobile`: pushed to `reports.replyUrl` and kept for `pull_reply`. */
  reply(reply: { mobile: string; text: string; extend?: string }): void
  /** Adds status reports straight to the `pull_status` queue (load tests), without sending. */
  queueStatusReports(count: number): void
  /** Resolves once every scheduled push, retries included, has finished. */
  reportsSettled(): Promise<void>
  close(): Promise<void>
}

interface StatusRecord {
  sid: bigint
  uid: string | null
  user_receive_time: string
  error_msg: string
  error_detail: string | null
  mobile: string
  report_status: 'SUCCESS' | 'FAIL'
}

class ApiFailure {
  constructor(
    readonly code: number,
    readonly msg: string | null,
    readonly detail: string,
  ) {}
}

const MAX_BODY_BYTES = 1024 * 1024
const FEE_PER_SMS = 0.05
const FIRST_SID = 2n ** 53n + 1n

function fail(code: number, msg: string | null, detail = msg ?? ''): never {
  throw new ApiFailure(code, msg, detail)
}

/**
 * A parameter the endpoint cannot do without: absent or empty answers code 1 with its own message
 * (yunpian-java-sdk Code.ARGUMENT_MISSING, 请求参数缺失), not code 2's 请求参数格式错误.
 */
export function required(fields: URLSearchParams, name: string): string {
  const value = fields.get(name)
  if (value === null || value === '') fail(1, '请求参数缺失', `参数 ${name} 必须传入`)
  return value
}

/** One url-encoded piece inside a field (`tpl_value`, `multi_send` texts): `+` is a space, as in forms. */
export function decodePiece(piece: string, field: string): string {
  try {
    return decodeURIComponent(piece.replace(/\+/g, ' '))
  } catch {
    // A malformed escape (`%zz`) answers Yunpian's envelope rather than crashing the fake; the code is
    // yunpian-java-sdk's Code.DECODE_ERROR (14, 解码失败). The docs do not say what Yunpian answers.
    fail(14, '解码失败', `参数 ${field} 含有无法解码的 % 转义`)
  }
}

/** Starts a fake Yunpian on loopback. Close it when done. */
export async function startFakeYunpian(options: FakeYunpianOptions = {}): Promise<FakeYunpian> {
  const apikey = options.apikey ?? FAKE_APIKEY
  const clock = new FakeClock(options.now)
  const random = seededRandom(options.seed ?? 1)
  const faults = new Faults(random)
  const limits = new RecipientLimits()
  const rules =
    options.rules === false
      ? { antiHarassment: false, antiBombing: false }
      : {
          antiHarassment: options.rules?.antiHarassment ?? true,
          antiBombing: options.rules?.antiBombing ?? false,
        }
  const templates = (options.templates ?? []).map((t, i) => ({
    id: t.id ?? i + 1,
    text: t.text,
    countries: t.countries,
    pattern: new RegExp(
      `^${t.text
        .split(/#[^#]+#/)
        .map(escapeRegExp)
        .join('[\\s\\S]+?')}$`,
    ),
  }))
  const reportOptions = options.reports ?? {}
  const courier = new Courier({
    delayMs: reportOptions.delayMs ?? 20,
    retryDelayMs: reportOptions.retryDelayMs ?? 50,
    retries: reportOptions.retries ?? 3,
    replyRetryDelayMs: reportOptions.replyRetryDelayMs ?? 10,
    replyRetries: reportOptions.replyRetries ?? 5,
    timeoutMs: 5_000,
  })
  const messages: OutboxMessage[] = []
  const pendingStatus: StatusRecord[] = []
  const pendingReplies: Record<string, string>[] = []
  const calls = new Map<string, number>()
  let nextSid = FIRST_SID
  let balance = options.balance ?? 1000

  function checkSignature(text: string): void {
    if (!/^【[^【】]{1,20}】/.test(text)) {
      fail(16, '签名格式不正确', '短信内容需以【签名】开头，签名为1到20个字符')
    }
  }

  function checkTemplate(text: string, mobile: FakeMobile): void {
    if (templates.length === 0) return
    const template = templates.find((t) => t.pattern.test(text))
    if (!template) fail(5, '未找到匹配的模板', '未找到匹配的模板')
    if (mobile.international && template.countries && !template.countries.includes(mobile.country ?? '')) {
      fail(23, '号码归属地不在模板可发送的地区内', `模板不支持发送到 ${mobile.country ?? '该地区'}`)
    }
  }

  function readMobileOrFail(raw: string | null): FakeMobile {
    if (!raw) fail(1, '请求参数缺失', '参数 mobile 必须传入')
    const mobile = readMobile(raw)
    if (!mobile) fail(2, '请求参数格式错误', `参数 mobile 格式不正确，mobile手机号格式不正确`)
    if (mobile.international && options.countries && !options.countries.includes(mobile.country ?? '')) {
      fail(20, '暂不支持的国家地区', `暂不支持 ${mobile.country ?? raw} 的号码`)
    }
    return mobile
  }

  function checkLimits(mobile: FakeMobile, text: string, now: number): void {
    if (rules.antiHarassment) {
      const broken = limits.check(`content ${mobile.normalized} ${text}`, ANTI_HARASSMENT, now)
      if (broken) fail(broken.code, broken.msg, broken.detail)
    }
    if (rules.antiBombing) {
      const broken = limits.check(`number ${mobile.normalized}`, ANTI_BOMBING, now)
      if (broken) fail(broken.code, broken.msg, broken.detail)
    }
  }

  function accept(
    mobile: FakeMobile,
    text: string,
    fields: URLSearchParams,
    endpoint: string,
    tplId: number | null = null,
  ): OutboxMessage {
    const now = clock.now()
    checkLimits(mobile, text, now)
    if (rules.antiHarassment) limits.record(`content ${mobile.normalized} ${text}`, ANTI_HARASSMENT, now)
    if (rules.antiBombing) limits.record(`number ${mobile.normalized}`, ANTI_BOMBING, now)
    const count = billedCount(text)
    const fee = Math.round(count * FEE_PER_SMS * 1000) / 1000
    balance -= fee
    const sid = nextSid++
    const delivered = random() < (reportOptions.successRatio ?? 1)
    const message: OutboxMessage = {
      sid: sid.toString(),
      mobile: mobile.normalized,
      text,
      endpoint,
      uid: fields.get('uid'),
      extend: fields.get('extend'),
      callbackUrl: fields.get('callback_url'),
      register: fields.get('register') === 'true',
      tplId,
      count,
      fee,
      sentAt: now,
      report: delivered ? 'SUCCESS' : 'FAIL',
    }
    messages.push(message)
    const record: StatusRecord = {
      sid,
      uid: message.uid,
      user_receive_time: chinaTime(now),
      error_msg: delivered ? 'DELIVRD' : 'DB:0103',
      error_detail: delivered ? null : '号码不存在或已停机',
      mobile: mobile.normalized,
      report_status: message.report,
    }
    pendingStatus.push(record)
    const pushUrl = message.callbackUrl ?? reportOptions.pushUrl
    if (pushUrl) courier.enqueue(pushUrl, 'sms_status', record)
    return message
  }

  const sendAnswer = (m: OutboxMessage) => ({
    code: 0,
    msg: '发送成功',
    count: m.count,
    fee: m.fee,
    unit: 'RMB',
    mobile: m.mobile,
    sid: BigInt(m.sid),
  })

  function requireText(fields: URLSearchParams): string {
    const text = required(fields, 'text')
    if (text.length > 500) fail(48, '参数过长', 'text 长度超过500个字符')
    return text
  }

  function batch(entries: { mobile: string; text: string }[], fields: URLSearchParams, endpoint: string) {
    if (entries.length > 1000) fail(48, '参数过长', '一次最多提交1000个号码')
    const data = entries.map(({ mobile: raw, text }) => {
      try {
        const mobile = readMobileOrFail(raw)
        if (mobile.international) fail(2, '请求参数格式错误', '国际号码只能单条发送')
        checkSignature(text)
        checkTemplate(text, mobile)
        return sendAnswer(accept(mobile, text, fields, endpoint))
      } catch (error) {
        if (!(error instanceof ApiFailure)) throw error
        return { code: error.code, msg: error.msg, count: 0, fee: 0, unit: 'RMB', mobile: raw, sid: 0n }
      }
    })
    const accepted = data.filter((d) => d.code === 0)
    return {
      total_count: accepted.reduce((n, d) => n + d.count, 0),
      total_fee: Math.round(accepted.reduce((n, d) => n + d.fee, 0) * 1000) / 1000,
      unit: 'RMB',
      data,
    }
  }

  function pageSize(fields: URLSearchParams): number {
    const raw = fields.get('page_size')
    if (raw === null) return 20
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 1 || n > 100) fail(2, '请求参数格式错误', 'page_size 必须是1到100的整数')
    return n
  }

  const handlers: Record<string, (fields: URLSearchParams) => unknown> = {
    'sms/single_send'(fields) {
      const mobile = readMobileOrFail(fields.get('mobile'))
      const text = requireText(fields)
      checkSignature(text)
      checkTemplate(text, mobile)
      return sendAnswer(accept(mobile, text, fields, 'sms/single_send'))
    },
    'sms/batch_send'(fields) {
      const mobiles = required(fields, 'mobile').split(',').filter(Boolean)
      const text = requireText(fields)
      return batch(
        mobiles.map((mobile) => ({ mobile, text })),
        fields,
        'sms/batch_send',
      )
    },
    'sms/multi_send'(fields) {
      const mobiles = required(fields, 'mobile').split(',').filter(Boolean)
      const texts = required(fields, 'text')
        .split(',')
        .map((t) => decodePiece(t, 'text'))
      if (mobiles.length !== texts.length)
        fail(25, '手机号和短信内容个数不匹配', '手机号和短信内容个数不匹配')
      return batch(
        mobiles.map((mobile, i) => ({ mobile, text: texts[i]! })),
        fields,
        'sms/multi_send',
      )
    },
    'sms/tpl_single_send'(fields) {
      const mobile = readMobileOrFail(fields.get('mobile'))
      const rawTplId = required(fields, 'tpl_id')
      const tplValue = required(fields, 'tpl_value')
      const tplId = Number(rawTplId)
      const template = templates.find((t) => t.id === tplId)
      if (!template) fail(5, '未找到匹配的模板', `模板 ${rawTplId} 不存在`)
      const values = readTplValue(tplValue)
      const text = template.text.replace(/#[^#]+#/g, (name) => {
        const value = values.get(name)
        if (value === undefined) fail(58, '模板变量格式错误', `缺少模板变量 ${name}`)
        return value
      })
      if (mobile.international && template.countries && !template.countries.includes(mobile.country ?? '')) {
        fail(23, '号码归属地不在模板可发送的地区内', `模板不支持发送到 ${mobile.country ?? '该地区'}`)
      }
      return sendAnswer(accept(mobile, text, fields, 'sms/tpl_single_send', tplId))
    },
    'sms/pull_status'(fields) {
      return pendingStatus.splice(0, pageSize(fields))
    },
    'sms/pull_reply'(fields) {
      return pendingReplies.splice(0, pageSize(fields))
    },
    'sms/get_record'(fields) {
      const start = parseChinaTime(required(fields, 'start_time'))
      const end = parseChinaTime(required(fields, 'end_time'))
      if (start === undefined || end === undefined) {
        fail(2, '请求参数格式错误', 'start_time 和 end_time 格式为 yyyy-MM-dd HH:mm:ss')
      }
      const mobile = fields.get('mobile')
      const size = pageSize(fields)
      const pageNum = Number(fields.get('page_num') ?? 1)
      // `type`: absent lists domestic messages only, `global` international ones, `all` both (the
      // get_record docs; the SDKs pass it through untouched).
      const type = fields.get('type') ?? 'domestic'
      if (!['domestic', 'global', 'all'].includes(type))
        fail(2, '请求参数格式错误', 'type 只能是 all 或 global')
      const wanted = (m: OutboxMessage) => type === 'all' || (type === 'global') === m.mobile.startsWith('+')
      return messages
        .filter(
          (m) =>
            m.sentAt >= start &&
            m.sentAt < end + 1000 &&
            wanted(m) &&
            (!mobile || m.mobile === readMobile(mobile)?.normalized),
        )
        .slice((pageNum - 1) * size, pageNum * size)
        .map((m) => ({
          sid: m.sid,
          mobile: m.mobile,
          send_time: chinaTime(m.sentAt),
          text: m.text,
          send_status: 'SUCCESS',
          report_status: m.report,
          fee: m.count,
          user_receive_time: chinaTime(m.sentAt),
          error_msg: m.report === 'SUCCESS' ? '' : 'DB:0103',
          uid: m.uid,
        }))
    },
    'user/get'() {
      return {
        nick: 'fake',
        gmt_created: '2024-01-01 00:00:00',
        mobile: '13800138000',
        email: 'fake@example.com',
        ip_whitelist: null,
        api_version: 'v2',
        alarm_balance: 10,
        emergency_contact: '',
        emergency_mobile: '',
        balance: Math.round(balance * 1000) / 1000,
      }
    },
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

  return {
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
      pendingReplies.push(record)
      if (reportOptions.replyUrl) courier.enqueue(reportOptions.replyUrl, 'sms_reply', record)
    },
    queueStatusReports(count) {
      const time = chinaTime(clock.now())
      for (let i = 0; i < count; i++) {
        pendingStatus.push({
          sid: nextSid++,
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

/**
 * `tpl_value` after the form layer: `#name#=value` pairs joined with `&`, each side url-encoded. A `+` is
 * a space (the official demos encode with Java's URLEncoder / Python's urlencode, which write spaces so),
 * and a pair splits at its first `=` only, so a value with an unencoded `=` stays whole.
 */
export function readTplValue(tplValue: string): Map<string, string> {
  const values = new Map<string, string>()
  for (const pair of tplValue.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const name = eq === -1 ? pair : pair.slice(0, eq)
    const value = eq === -1 ? '' : pair.slice(eq + 1)
    values.set(decodePiece(name, 'tpl_value'), decodePiece(value, 'tpl_value'))
  }
  return values
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
