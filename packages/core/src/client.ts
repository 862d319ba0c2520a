import { z } from 'zod'
import { YunpianTransportError } from './errors.js'
import type { Expect, SameType } from './internal/same-type.js'
import { encodeMultiText, encodeTplValue } from './protocol/form.js'
import {
  type Account,
  accountSchema,
  type BatchSendResult,
  batchResultSchema,
  blackWordsSchema,
  type SendRecord,
  type SendResult,
  type SignApplication,
  type SignList,
  sendRecordSchema,
  sendResultSchema,
  signApplicationSchema,
  signListSchema,
  type Template,
  type TotalFee,
  templateListSchema,
  templateSchema,
  totalFeeSchema,
  type VoiceSendResult,
  type VoiceStatus,
  voiceSendResultSchema,
  voiceStatusSchema,
} from './protocol/responses.js'
import { formatChinaTime } from './protocol/time.js'
import { type Endpoint, type RetryEvent, Transport } from './protocol/transport.js'
import { type ReplyRecord, replyRecordSchema, type StatusReport, toStatusReport } from './reports/records.js'
import { type CostEstimate, estimateCost, yunpianBilledCount } from './segmenting/cost.js'
import {
  type BatchSendRequest,
  batchSendSchema,
  type GetBlackWordRequest,
  type GetRecordRequest,
  type GetReplyRequest,
  type GetTotalFeeRequest,
  getBlackWordSchema,
  getRecordSchema,
  getReplySchema,
  getTotalFeeSchema,
  httpUrlSchema,
  type MultiSendRequest,
  multiSendSchema,
  type PullRequest,
  pullSchema,
  type SignAddRequest,
  type SignGetRequest,
  type SingleSendRequest,
  signAddSchema,
  signGetSchema,
  singleSendSchema,
  type TplAddRequest,
  type TplBatchSendRequest,
  type TplDelRequest,
  type TplGetRequest,
  type TplSingleSendRequest,
  type TplUpdateRequest,
  tplAddSchema,
  tplBatchSendSchema,
  tplDelSchema,
  tplGetSchema,
  tplSingleSendSchema,
  tplUpdateSchema,
  type UserSetRequest,
  userSetSchema,
  type VoicePullStatusRequest,
  type VoiceSendRequest,
  voicePullStatusSchema,
  voiceSendSchema,
} from './validation/requests.js'
import { validate, validateOptions } from './validation/validate.js'

export const YUNPIAN_HOSTS = {
  cn: 'https://sms.yunpian.com',
  us: 'https://us.yunpian.com',
} as const
export type YunpianRegion = keyof typeof YUNPIAN_HOSTS

/**
 * Voice verification codes live on their own host (every official SDK's `yp.voice.host`). Yunpian
 * documents no overseas voice host, so `region: 'us'` keeps `voice.yunpian.com`; `voiceBaseUrl` overrides.
 */
export const YUNPIAN_VOICE_HOSTS = {
  cn: 'https://voice.yunpian.com',
  us: 'https://voice.yunpian.com',
} as const satisfies Record<YunpianRegion, string>

export const clientOptionsSchema = z.strictObject({
  apikey: z
    .string({ error: 'must be your 32-character Yunpian apikey' })
    .regex(/^[0-9A-Za-z]{32}$/, 'must be your 32-character Yunpian apikey (letters and digits)'),
  region: z
    .enum(['cn', 'us'], { error: 'must be "cn" (sms.yunpian.com) or "us" (us.yunpian.com)' })
    .default('cn'),
  baseUrl: httpUrlSchema.optional(),
  voiceBaseUrl: httpUrlSchema.optional(),
  timeoutMs: z.number().int().min(1, 'must be a positive number of milliseconds').default(10_000),
  retries: z.number().int().min(0).max(10, 'must be an integer from 0 to 10').default(2),
  retryDelayMs: z.number().int().min(0).max(60_000).default(200),
  connections: z.number().int().min(1).max(1024, 'must be an integer from 1 to 1024').default(16),
  onRetry: z
    .custom<(event: RetryEvent) => void>((v) => typeof v === 'function', 'must be a function')
    .optional(),
  onCountMismatch: z
    .custom<(event: CountMismatchEvent) => void>((v) => typeof v === 'function', 'must be a function')
    .optional(),
})

/** Yunpian billed a different number of SMS than `estimateCost` expected: the truth of your traffic. */
export interface CountMismatchEvent {
  endpoint: string
  mobile: string
  sid: string | undefined
  /** What the estimate said. */
  estimated: number
  /** What Yunpian returned in `count`. */
  billed: number
  basis: CostEstimate['basis']
}

/** What `new YunpianClient(options)` takes. Checked at construction; a bad value throws `YunpianValidationError`. */
export interface YunpianClientOptions {
  /** Your 32-character Yunpian apikey (letters and digits). It appears in no log, error or URL. */
  apikey: string
  /**
   * `'cn'` (sms.yunpian.com) or `'us'` (us.yunpian.com, international).
   * @default 'cn'
   */
  region?: YunpianRegion | undefined
  /**
   * Another SMS host, e.g. the fake of `@yunpian-kit/testing`: an absolute http(s) URL.
   * @default the region's host
   */
  baseUrl?: string | undefined
  /**
   * The voice-code host (Yunpian documents no overseas one, so `region: 'us'` keeps voice.yunpian.com).
   * @default `baseUrl` when given (one fake serves both), else voice.yunpian.com
   */
  voiceBaseUrl?: string | undefined
  /**
   * Per attempt, connect to last byte, in milliseconds.
   * @default 10000
   */
  timeoutMs?: number | undefined
  /**
   * Retries of reads, and of sends that never left this process (0 to 10).
   * @default 2
   */
  retries?: number | undefined
  /**
   * First backoff in milliseconds, doubled each retry, with jitter (0 to 60000).
   * @default 200
   */
  retryDelayMs?: number | undefined
  /**
   * Keep-alive connections in the pool, per host (1 to 1024).
   * @default 16
   */
  connections?: number | undefined
  /** Called before each retry, with the endpoint, attempt, delay and error. */
  onRetry?: ((event: RetryEvent) => void) | undefined
  /** Yunpian billed a different count than `estimateCost` expected (estimated only when this is set). */
  onCountMismatch?: ((event: CountMismatchEvent) => void) | undefined
}

// The interface is what editors show; the schema checks at run time. This fails to compile when they differ.
type _ClientOptionsMatchSchema = Expect<SameType<YunpianClientOptions, z.input<typeof clientOptionsSchema>>>

/** A YunpianClient, also one from a second copy of this package (ESM beside CJS), where instanceof fails. */
export function isYunpianClient(value: unknown): value is YunpianClient {
  return typeof (value as YunpianClient | undefined)?.sms?.singleSend === 'function'
}

/** Per-call options, the last argument of every endpoint method. */
export interface CallOptions {
  /**
   * Aborts the call, in flight or waiting to retry, with a `YunpianAbortError` (its `requestSent` says whether
   * Yunpian may have acted on it).
   * @default none
   */
  signal?: AbortSignal
}

const endpoint = (name: string, kind: Endpoint['kind']): Endpoint => ({ name, kind })
const ENDPOINTS = {
  singleSend: endpoint('sms/single_send', 'send'),
  batchSend: endpoint('sms/batch_send', 'send'),
  multiSend: endpoint('sms/multi_send', 'send'),
  tplSingleSend: endpoint('sms/tpl_single_send', 'send'),
  tplBatchSend: endpoint('sms/tpl_batch_send', 'send'),
  pullStatus: endpoint('sms/pull_status', 'drain'),
  pullReply: endpoint('sms/pull_reply', 'drain'),
  getRecord: endpoint('sms/get_record', 'read'),
  getReply: endpoint('sms/get_reply', 'read'),
  getBlackWord: endpoint('sms/get_black_word', 'read'),
  getTotalFee: endpoint('sms/get_total_fee', 'read'),
  userGet: endpoint('user/get', 'read'),
  // Changes are not retried after a byte may have reached Yunpian: `send` is the kind that never is.
  userSet: endpoint('user/set', 'send'),
  tplAdd: endpoint('tpl/add', 'send'),
  tplGet: endpoint('tpl/get', 'read'),
  tplUpdate: endpoint('tpl/update', 'send'),
  tplDel: endpoint('tpl/del', 'send'),
  signAdd: endpoint('sign/add', 'send'),
  signGet: endpoint('sign/get', 'read'),
  voiceSend: endpoint('voice/send', 'send'),
  voicePullStatus: endpoint('voice/pull_status', 'drain'),
}

/** An optional boolean or number as a form field (`true`, `20`), absent when not given. */
const field = (value: boolean | number | undefined) => (value === undefined ? undefined : String(value))

/**
 * Yunpian's v2 API over one keep-alive undici pool. Every request is validated before any I/O and
 * every answer is validated after; failures are typed (`YunpianValidationError`, `YunpianApiError`, `YunpianTransportError`). Sends are never retried once
 * a byte of them may have reached Yunpian.
 */
export class YunpianClient {
  readonly sms: SmsApi
  readonly user: UserApi
  readonly tpl: TplApi
  readonly sign: SignApi
  /** Voice verification codes, on the voice host (`voiceBaseUrl`). */
  readonly voice: VoiceApi
  readonly region: YunpianRegion
  readonly baseUrl: string
  readonly voiceBaseUrl: string
  readonly #transport: Transport
  readonly #voiceTransport: Transport

  constructor(options: YunpianClientOptions) {
    const o = validateOptions('YunpianClient', clientOptionsSchema, options)
    this.region = o.region
    this.baseUrl = o.baseUrl ?? YUNPIAN_HOSTS[o.region]
    this.voiceBaseUrl = o.voiceBaseUrl ?? o.baseUrl ?? YUNPIAN_VOICE_HOSTS[o.region]
    const transportOptions = {
      apikey: o.apikey,
      timeoutMs: o.timeoutMs,
      retries: o.retries,
      retryDelayMs: o.retryDelayMs,
      connections: o.connections,
      onRetry: o.onRetry,
    }
    this.#transport = new Transport({ baseUrl: this.baseUrl, ...transportOptions })
    // A pool opens no connection until its first call: nothing is spent on voice by those who never use it.
    this.#voiceTransport = new Transport({ baseUrl: this.voiceBaseUrl, ...transportOptions })
    this.sms = new SmsApi(this.#transport, o.onCountMismatch)
    this.user = new UserApi(this.#transport)
    this.tpl = new TplApi(this.#transport)
    this.sign = new SignApi(this.#transport)
    this.voice = new VoiceApi(this.#voiceTransport)
  }

  /** Ends the connection pools after in-flight calls finish. */
  async close(): Promise<void> {
    await Promise.all([this.#transport.close(), this.#voiceTransport.close()])
  }

  /** What `console.log(client)` shows: never the key. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `YunpianClient { region: '${this.region}', baseUrl: '${this.baseUrl}', voiceBaseUrl: '${this.voiceBaseUrl}' }`
  }

  toJSON(): { region: YunpianRegion; baseUrl: string; voiceBaseUrl: string } {
    return { region: this.region, baseUrl: this.baseUrl, voiceBaseUrl: this.voiceBaseUrl }
  }
}

function parseAnswer<S extends z.ZodType>(ep: Endpoint, schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const where = result.error.issues[0]
  throw new YunpianTransportError(
    `Yunpian ${ep.name} answered JSON of an unexpected shape (${where ? `${where.path.join('.') || 'body'}: ${where.message}` : 'unknown'})`,
    { requestSent: true, endpoint: ep.name, statusCode: 200 },
  )
}

export class SmsApi {
  readonly #transport: Transport
  readonly #onCountMismatch: ((event: CountMismatchEvent) => void) | undefined

  constructor(transport: Transport, onCountMismatch?: (event: CountMismatchEvent) => void) {
    this.#transport = transport
    this.#onCountMismatch = onCountMismatch
  }

  /** Estimates only when someone listens: a send's hot path pays nothing otherwise. */
  #compareCount(
    endpoint: Endpoint,
    text: string,
    mobile: string,
    billed: number,
    sid: string | undefined,
  ): void {
    if (!this.#onCountMismatch) return
    const { billedCount, basis } = estimateCost(text, mobile)
    if (billedCount !== billed)
      this.#onCountMismatch({ endpoint: endpoint.name, mobile, sid, estimated: billedCount, billed, basis })
  }

  #compareBatch(endpoint: Endpoint, result: BatchSendResult, textOf: (i: number) => string): void {
    if (!this.#onCountMismatch) return
    result.data.forEach((entry, i) => {
      if (entry.code !== 0) return
      const estimated = yunpianBilledCount(textOf(i))
      if (estimated !== entry.count) {
        this.#onCountMismatch?.({
          endpoint: endpoint.name,
          mobile: entry.mobile,
          sid: entry.sid,
          estimated,
          billed: entry.count,
          basis: 'yunpian-70-67',
        })
      }
    })
  }

  /** One message to one number (the only way to reach international numbers). */
  async singleSend(request: SingleSendRequest, options?: CallOptions): Promise<SendResult> {
    const r = validate('singleSend', singleSendSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.singleSend,
      {
        mobile: r.mobile,
        text: r.text,
        uid: r.uid,
        extend: r.extend,
        callback_url: r.callbackUrl,
        register: field(r.register),
        mobile_stat: field(r.mobileStat),
      },
      options?.signal,
    )
    const result = parseAnswer(ENDPOINTS.singleSend, sendResultSchema, body)
    this.#compareCount(ENDPOINTS.singleSend, r.text, r.mobile, result.count, result.sid)
    return result
  }

  /** The same text to up to 1000 mainland numbers. Per-number refusals are in `data[i].code`. */
  async batchSend(request: BatchSendRequest, options?: CallOptions): Promise<BatchSendResult> {
    const r = validate('batchSend', batchSendSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.batchSend,
      {
        mobile: r.mobile.join(','),
        text: r.text,
        uid: r.uid,
        extend: r.extend,
        callback_url: r.callbackUrl,
        mobile_stat: field(r.mobileStat),
      },
      options?.signal,
    )
    const result = parseAnswer(ENDPOINTS.batchSend, batchResultSchema, body)
    this.#compareBatch(ENDPOINTS.batchSend, result, () => r.text)
    return result
  }

  /** A different text to each of up to 1000 mainland numbers (`text[i]` goes to `mobile[i]`). */
  async multiSend(request: MultiSendRequest, options?: CallOptions): Promise<BatchSendResult> {
    const r = validate('multiSend', multiSendSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.multiSend,
      {
        mobile: r.mobile.join(','),
        text: encodeMultiText(r.text),
        uid: r.uid,
        extend: r.extend,
        callback_url: r.callbackUrl,
      },
      options?.signal,
    )
    const result = parseAnswer(ENDPOINTS.multiSend, batchResultSchema, body)
    this.#compareBatch(ENDPOINTS.multiSend, result, (i) => r.text[i]!)
    return result
  }

  /** An approved template with its `#variables#` filled in. */
  async tplSingleSend(request: TplSingleSendRequest, options?: CallOptions): Promise<SendResult> {
    const r = validate('tplSingleSend', tplSingleSendSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.tplSingleSend,
      {
        mobile: r.mobile,
        tpl_id: r.tplId,
        tpl_value: encodeTplValue(r.tplValue),
        uid: r.uid,
        extend: r.extend,
        callback_url: r.callbackUrl,
      },
      options?.signal,
    )
    return parseAnswer(ENDPOINTS.tplSingleSend, sendResultSchema, body)
  }

  /** One approved template with the same values to up to 1000 mainland numbers. */
  async tplBatchSend(request: TplBatchSendRequest, options?: CallOptions): Promise<BatchSendResult> {
    const r = validate('tplBatchSend', tplBatchSendSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.tplBatchSend,
      {
        mobile: r.mobile.join(','),
        tpl_id: r.tplId,
        tpl_value: encodeTplValue(r.tplValue),
        uid: r.uid,
        extend: r.extend,
        callback_url: r.callbackUrl,
      },
      options?.signal,
    )
    return parseAnswer(ENDPOINTS.tplBatchSend, batchResultSchema, body)
  }

  /** Delivery reports not yet fetched. Yunpian deletes what it returns: handle the page before the next call. */
  async pullStatus(request?: PullRequest, options?: CallOptions): Promise<StatusReport[]> {
    const r = validate('pullStatus', pullSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.pullStatus,
      { page_size: field(r.pageSize) },
      options?.signal,
    )
    return parseAnswer(ENDPOINTS.pullStatus, statusListSchema, body)
  }

  /** Inbound replies not yet fetched; deleted by Yunpian once returned. */
  async pullReply(request?: PullRequest, options?: CallOptions): Promise<ReplyRecord[]> {
    const r = validate('pullReply', pullSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.pullReply,
      { page_size: field(r.pageSize) },
      options?.signal,
    )
    return parseAnswer(ENDPOINTS.pullReply, z.array(replyRecordSchema), body)
  }

  /** Sent messages between two times (China time when given as strings). */
  async getRecord(request: GetRecordRequest, options?: CallOptions): Promise<SendRecord[]> {
    const r = validate('getRecord', getRecordSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.getRecord,
      {
        start_time: chinaTimeField(r.startTime),
        end_time: chinaTimeField(r.endTime),
        mobile: r.mobile,
        page_num: field(r.pageNum),
        page_size: field(r.pageSize),
        type: r.type,
      },
      options?.signal,
    )
    return parseAnswer(ENDPOINTS.getRecord, z.array(sendRecordSchema), body)
  }

  /** Replies received between two times; unlike `pullReply`, reading them deletes nothing. */
  async getReply(request: GetReplyRequest, options?: CallOptions): Promise<ReplyRecord[]> {
    const r = validate('getReply', getReplySchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.getReply,
      {
        start_time: chinaTimeField(r.startTime),
        end_time: chinaTimeField(r.endTime),
        page_num: String(r.pageNum),
        page_size: String(r.pageSize),
        mobile: r.mobile,
      },
      options?.signal,
    )
    return parseAnswer(ENDPOINTS.getReply, z.array(replyRecordSchema), body)
  }

  /** The words in `text` that Yunpian blocks (code 4 on a send); an empty list when none. */
  async getBlackWord(request: GetBlackWordRequest, options?: CallOptions): Promise<string[]> {
    const r = validate('getBlackWord', getBlackWordSchema, request)
    const body = await this.#transport.call(ENDPOINTS.getBlackWord, { text: r.text }, options?.signal)
    return parseAnswer(ENDPOINTS.getBlackWord, blackWordsSchema, body)
  }

  /** Messages and money spent on one day (a China date when given as a string). */
  async getTotalFee(request: GetTotalFeeRequest, options?: CallOptions): Promise<TotalFee> {
    const r = validate('getTotalFee', getTotalFeeSchema, request)
    const date = typeof r.date === 'string' ? r.date : formatChinaTime(r.date).slice(0, 10)
    const body = await this.#transport.call(ENDPOINTS.getTotalFee, { date }, options?.signal)
    return parseAnswer(ENDPOINTS.getTotalFee, totalFeeSchema, body)
  }
}

const chinaTimeField = (t: Date | string) => (typeof t === 'string' ? t : formatChinaTime(t))

/** A list of status records, checked by the hand-written reader the push parser shares. */
const statusListSchema = z.array(z.unknown()).transform((records, ctx) => {
  const reports: StatusReport[] = []
  for (const [i, record] of records.entries()) {
    const report = toStatusReport(record)
    if (typeof report === 'string') {
      ctx.addIssue({ code: 'custom', path: [i], message: report })
      return z.NEVER
    }
    reports.push(report)
  }
  return reports
})

export class UserApi {
  readonly #transport: Transport

  constructor(transport: Transport) {
    this.#transport = transport
  }

  /** The account: balance, whitelist, alarm threshold. */
  async get(options?: CallOptions): Promise<Account> {
    const body = await this.#transport.call(ENDPOINTS.userGet, {}, options?.signal)
    return parseAnswer(ENDPOINTS.userGet, accountSchema, body)
  }

  /** Changes the emergency contact or the low-balance alarm; answers the account as it now is. */
  async set(request: UserSetRequest, options?: CallOptions): Promise<Account> {
    const r = validate('user.set', userSetSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.userSet,
      {
        emergency_contact: r.emergencyContact,
        emergency_mobile: r.emergencyMobile,
        alarm_balance: field(r.alarmBalance),
      },
      options?.signal,
    )
    return parseAnswer(ENDPOINTS.userSet, accountSchema, body)
  }
}

/** Yunpian's SMS templates (`/v2/tpl/*`). A new or changed template waits for Yunpian's review. */
export class TplApi {
  readonly #transport: Transport

  constructor(transport: Transport) {
    this.#transport = transport
  }

  /** Submits a template for review (`checkStatus: 'CHECKING'`). */
  async add(request: TplAddRequest, options?: CallOptions): Promise<Template> {
    const r = validate('tpl.add', tplAddSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.tplAdd,
      {
        tpl_content: r.content,
        notify_type: field(r.notifyType),
        lang: r.lang,
      },
      options?.signal,
    )
    return parseAnswer(ENDPOINTS.tplAdd, templateSchema, body)
  }

  /** One template by `id`, or all of them: always a list. */
  async get(request?: TplGetRequest, options?: CallOptions): Promise<Template[]> {
    const r = validate('tpl.get', tplGetSchema, request)
    const body = await this.#transport.call(ENDPOINTS.tplGet, { tpl_id: r.id }, options?.signal)
    return parseAnswer(ENDPOINTS.tplGet, templateListSchema, body)
  }

  /** Changes a template's text; it goes back under review. */
  async update(request: TplUpdateRequest, options?: CallOptions): Promise<Template> {
    const r = validate('tpl.update', tplUpdateSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.tplUpdate,
      {
        tpl_id: r.id,
        tpl_content: r.content,
        notify_type: field(r.notifyType),
        lang: r.lang,
      },
      options?.signal,
    )
    return parseAnswer(ENDPOINTS.tplUpdate, templateSchema, body)
  }

  /** Deletes a template; answers it as it was. */
  async del(request: TplDelRequest, options?: CallOptions): Promise<Template> {
    const r = validate('tpl.del', tplDelSchema, request)
    const body = await this.#transport.call(ENDPOINTS.tplDel, { tpl_id: r.id }, options?.signal)
    return parseAnswer(ENDPOINTS.tplDel, templateSchema, body)
  }
}

/** Yunpian's SMS signatures (`/v2/sign/*`), the `【name】` every text starts with. */
export class SignApi {
  readonly #transport: Transport

  constructor(transport: Transport) {
    this.#transport = transport
  }

  /** Applies for a signature (without the 【】). */
  async add(request: SignAddRequest, options?: CallOptions): Promise<SignApplication> {
    const r = validate('sign.add', signAddSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.signAdd,
      {
        sign: r.sign,
        notify: field(r.notify),
        apply_vip: field(r.applyVip),
        is_only_global: field(r.isOnlyGlobal),
        industry_type: r.industryType,
      },
      options?.signal,
    )
    return parseAnswer(ENDPOINTS.signAdd, signApplicationSchema, body)
  }

  /** The account's signatures with their review state; all of them unless paged or filtered. */
  async get(request?: SignGetRequest, options?: CallOptions): Promise<SignList> {
    const r = validate('sign.get', signGetSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.signGet,
      {
        sign: r.sign,
        page_num: field(r.pageNum),
        page_size: field(r.pageSize),
      },
      options?.signal,
    )
    return parseAnswer(ENDPOINTS.signGet, signListSchema, body)
  }
}

/**
 * Yunpian's voice verification code (`/v2/voice/*` on the voice host): a call that reads the code out,
 * for numbers that do not receive SMS. Mainland numbers and landlines only.
 */
export class VoiceApi {
  readonly #transport: Transport

  constructor(transport: Transport) {
    this.#transport = transport
  }

  /** Calls `mobile` and reads out `code` (4 to 6 digits). Never retried once a byte may have been sent. */
  async send(request: VoiceSendRequest, options?: CallOptions): Promise<VoiceSendResult> {
    const r = validate('voice.send', voiceSendSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.voiceSend,
      {
        mobile: r.mobile,
        code: r.code,
        callback_url: r.callbackUrl,
        display_num: r.displayNum,
      },
      options?.signal,
    )
    return parseAnswer(ENDPOINTS.voiceSend, voiceSendResultSchema, body)
  }

  /** Call reports not yet fetched (`type` 1: voice codes, the default); deleted by Yunpian once returned. */
  async pullStatus(request?: VoicePullStatusRequest, options?: CallOptions): Promise<VoiceStatus[]> {
    const r = validate('voice.pullStatus', voicePullStatusSchema, request)
    const body = await this.#transport.call(
      ENDPOINTS.voicePullStatus,
      { page_size: field(r.pageSize), type: field(r.type) },
      options?.signal,
    )
    return parseAnswer(ENDPOINTS.voicePullStatus, z.array(voiceStatusSchema), body)
  }
}
