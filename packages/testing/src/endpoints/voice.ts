import { randomBytes } from 'node:crypto'
import { chinaTime } from '../clock.js'
import { fail, integerField, required } from '../failure.js'
import { readMobile } from '../mobile.js'
import { type EndpointGroup, type FakeState, pageSize } from '../state.js'
import type { OutboxMessage } from '../types.js'

const FEE_PER_CALL = 0.05

/**
 * `/v2/voice/*`: voice verification codes (Yunpian serves them from voice.yunpian.com; the fake from its
 * one address). A call is kept in the outbox with the code as its `text`; its report waits for
 * `voice/pull_status` (the fake does not push voice reports).
 */
export function voiceEndpoints(state: FakeState): EndpointGroup {
  return {
    'voice/send'(fields) {
      const raw = required(fields, 'mobile')
      const code = required(fields, 'code')
      const landline = /^0\d{9,11}$/.test(raw)
      const mobile = landline ? undefined : readMobile(raw)
      if (!landline && !mobile) fail(2, '请求参数格式错误', '参数 mobile 格式不正确')
      if (mobile?.international) fail(20, '暂不支持的国家地区', '语音验证码仅支持中国大陆号码')
      if (!/^\d{4,6}$/.test(code)) fail(2, '请求参数格式错误', '验证码为4到6位数字')
      const now = state.clock.now()
      const answered = state.random() < (state.reports.successRatio ?? 1)
      const message: OutboxMessage = {
        // Voice sids are 32 hex characters, not numbers (yunpian-java-sdk keeps them as a String).
        sid: randomBytes(16).toString('hex'),
        mobile: mobile?.normalized ?? raw,
        text: code,
        endpoint: 'voice/send',
        uid: fields.get('uid'),
        extend: null,
        callbackUrl: fields.get('callback_url'),
        register: false,
        tplId: null,
        count: 1,
        fee: FEE_PER_CALL,
        sentAt: now,
        report: answered ? 'SUCCESS' : 'FAIL',
      }
      state.messages.push(message)
      state.account.balance -= FEE_PER_CALL
      state.pendingVoiceStatus.push({
        sid: message.sid,
        uid: message.uid,
        user_receive_time: chinaTime(now),
        duration: answered ? 20 : 0,
        error_msg: answered ? '' : 'NO_ANSWER',
        mobile: message.mobile,
        report_status: message.report,
      })
      return { count: 1, fee: FEE_PER_CALL, sid: message.sid }
    },
    'voice/pull_status'(fields) {
      // type 1: voice codes (the default), 2: voice notifications, which the fake never places.
      const type = integerField(fields, 'type', 1, 1, 2)
      return type === 1 ? state.pendingVoiceStatus.splice(0, pageSize(fields)) : []
    },
  }
}
