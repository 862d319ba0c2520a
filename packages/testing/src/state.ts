import { chinaTime, type FakeClock } from './clock.js'
import type { Courier } from './courier.js'
import { ApiFailure, fail, integerField } from './failure.js'
import { ANTI_BOMBING, ANTI_HARASSMENT, type RecipientLimits } from './limits.js'
import { billedCount, type FakeMobile, readMobile } from './mobile.js'
import type { Templates } from './templates.js'
import type { FakeYunpianOptions, OutboxMessage } from './types.js'

export interface StatusRecord {
  sid: bigint
  uid: string | null
  user_receive_time: string
  error_msg: string
  error_detail: string | null
  mobile: string
  report_status: 'SUCCESS' | 'FAIL'
}

export interface VoiceStatusRecord {
  sid: string
  uid: string | null
  user_receive_time: string
  duration: number
  error_msg: string
  mobile: string
  report_status: 'SUCCESS' | 'FAIL'
}

export interface SignEntry {
  sign: string
  status: 'CHECKING' | 'SUCCESS' | 'FAIL'
  vip: boolean
  onlyGlobal: boolean
  industryType: string
}

export interface Account {
  nick: string
  balance: number
  alarmBalance: number
  emergencyContact: string
  emergencyMobile: string
}

/** Everything one fake knows; each endpoint group reads and changes it through these fields. */
export interface FakeState {
  readonly apikey: string
  readonly clock: FakeClock
  readonly random: () => number
  readonly rules: { antiHarassment: boolean; antiBombing: boolean }
  readonly limits: RecipientLimits
  readonly templates: Templates
  readonly countries: readonly string[] | undefined
  readonly blackWords: readonly string[]
  readonly blackWordAnswer: 'array' | 'object'
  readonly templateUpdateAnswer: 'wrapped' | 'bare'
  readonly signs: Map<string, SignEntry>
  readonly reports: NonNullable<FakeYunpianOptions['reports']>
  readonly courier: Courier
  readonly messages: OutboxMessage[]
  readonly pendingStatus: StatusRecord[]
  readonly pendingReplies: Record<string, string>[]
  /** Voice call reports not yet pulled (`voice/pull_status`). */
  readonly pendingVoiceStatus: VoiceStatusRecord[]
  /** Every reply ever received, for `get_reply` (the pull queue forgets what it returned). */
  readonly replies: Record<string, string>[]
  readonly account: Account
  nextSid: bigint
}

/** A handler gets the decoded form fields and returns the success body (bigints become bare digits). */
export type Handler = (fields: URLSearchParams) => unknown
export type EndpointGroup = Record<string, Handler>

const FEE_PER_SMS = 0.05

export function checkSignature(text: string): void {
  if (!/^【[^【】]{1,20}】/.test(text)) {
    fail(16, '签名格式不正确', '短信内容需以【签名】开头，签名为1到20个字符')
  }
}

/** The account's blocked words found in `text`, in the order configured. */
export function blackWordsIn(state: FakeState, text: string): string[] {
  return state.blackWords.filter((word) => text.includes(word))
}

export function checkBlackWords(state: FakeState, text: string): void {
  const found = blackWordsIn(state, text)
  if (found.length > 0) fail(4, '关键词屏蔽', `内容含有屏蔽词：${found.join(',')}`)
}

export function readMobileOrFail(state: FakeState, raw: string | null): FakeMobile {
  if (!raw) fail(1, '请求参数缺失', '参数 mobile 必须传入')
  const mobile = readMobile(raw)
  if (!mobile) fail(2, '请求参数格式错误', `参数 mobile 格式不正确，mobile手机号格式不正确`)
  if (mobile.international && state.countries && !state.countries.includes(mobile.country ?? '')) {
    fail(20, '暂不支持的国家地区', `暂不支持 ${mobile.country ?? raw} 的号码`)
  }
  return mobile
}

function checkLimits(state: FakeState, mobile: FakeMobile, text: string, now: number): void {
  const { rules, limits } = state
  if (rules.antiHarassment) {
    const broken = limits.check(`content ${mobile.normalized} ${text}`, ANTI_HARASSMENT, now)
    if (broken) fail(broken.code, broken.msg, broken.detail)
  }
  if (rules.antiBombing) {
    const broken = limits.check(`number ${mobile.normalized}`, ANTI_BOMBING, now)
    if (broken) fail(broken.code, broken.msg, broken.detail)
  }
}

/** Takes the message: limits, billing, sid, the outbox, and its status report (queued and pushed). */
export function accept(
  state: FakeState,
  mobile: FakeMobile,
  text: string,
  fields: URLSearchParams,
  endpoint: string,
  tplId: number | null = null,
): OutboxMessage {
  const now = state.clock.now()
  checkLimits(state, mobile, text, now)
  if (state.rules.antiHarassment)
    state.limits.record(`content ${mobile.normalized} ${text}`, ANTI_HARASSMENT, now)
  if (state.rules.antiBombing) state.limits.record(`number ${mobile.normalized}`, ANTI_BOMBING, now)
  const count = billedCount(text)
  const fee = Math.round(count * FEE_PER_SMS * 1000) / 1000
  state.account.balance -= fee
  const sid = state.nextSid++
  const delivered = state.random() < (state.reports.successRatio ?? 1)
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
  state.messages.push(message)
  const record: StatusRecord = {
    sid,
    uid: message.uid,
    user_receive_time: chinaTime(now),
    error_msg: delivered ? 'DELIVRD' : 'DB:0103',
    error_detail: delivered ? null : '号码不存在或已停机',
    mobile: mobile.normalized,
    report_status: message.report,
  }
  state.pendingStatus.push(record)
  const pushUrl = message.callbackUrl ?? state.reports.pushUrl
  if (pushUrl) state.courier.enqueue(pushUrl, 'sms_status', record)
  return message
}

export const sendAnswer = (m: OutboxMessage) => ({
  code: 0,
  msg: '发送成功',
  count: m.count,
  fee: m.fee,
  unit: 'RMB',
  mobile: m.mobile,
  sid: BigInt(m.sid),
})

/**
 * `batch_send`, `multi_send`, `tpl_batch_send`: each number is accepted or refused on its own, and the
 * answer lists every one with its code.
 */
export function batch(
  state: FakeState,
  entries: { mobile: string; text: string; check: (mobile: FakeMobile) => void }[],
  fields: URLSearchParams,
  endpoint: string,
  tplId: number | null = null,
) {
  if (entries.length > 1000) fail(48, '参数过长', '一次最多提交1000个号码')
  const data = entries.map(({ mobile: raw, text, check }) => {
    try {
      const mobile = readMobileOrFail(state, raw)
      if (mobile.international) fail(2, '请求参数格式错误', '国际号码只能单条发送')
      check(mobile)
      return sendAnswer(accept(state, mobile, text, fields, endpoint, tplId))
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

export function pageSize(fields: URLSearchParams): number {
  return integerField(fields, 'page_size', 20, 1, 100)
}
