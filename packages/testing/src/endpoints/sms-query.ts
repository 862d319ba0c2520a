import { chinaTime, parseChinaTime } from '../clock.js'
import { fail, integerField, required } from '../failure.js'
import { readMobile } from '../mobile.js'
import { blackWordsIn, type EndpointGroup, type FakeState, pageSize } from '../state.js'
import type { OutboxMessage } from '../types.js'

function timeWindow(fields: URLSearchParams): { start: number; end: number } {
  const start = parseChinaTime(required(fields, 'start_time'))
  const end = parseChinaTime(required(fields, 'end_time'))
  if (start === undefined || end === undefined) {
    fail(2, '请求参数格式错误', 'start_time 和 end_time 格式为 yyyy-MM-dd HH:mm:ss')
  }
  return { start, end }
}

/** `/v2/sms/pull_*` and `get_*`: reports, replies and records. */
export function smsQueryEndpoints(state: FakeState): EndpointGroup {
  return {
    'sms/pull_status'(fields) {
      return state.pendingStatus.splice(0, pageSize(fields))
    },
    'sms/pull_reply'(fields) {
      return state.pendingReplies.splice(0, pageSize(fields))
    },
    'sms/get_reply'(fields) {
      const { start, end } = timeWindow(fields)
      const mobile = fields.get('mobile')
      const normalized = mobile ? (readMobile(mobile)?.normalized ?? mobile) : undefined
      const size = pageSize(fields)
      const pageNum = integerField(fields, 'page_num', 1, 1)
      return state.replies
        .filter((r) => {
          const at = parseChinaTime(r.reply_time!)!
          return at >= start && at < end + 1000 && (!normalized || r.mobile === normalized)
        })
        .reverse() // newest first, as the get_reply docs say (提交时间降序)
        .slice((pageNum - 1) * size, pageNum * size)
    },
    'sms/get_black_word'(fields) {
      const words = blackWordsIn(state, required(fields, 'text'))
      // yunpian-java-sdk reads the v2 answer as an array; Yunpian's docs show {"result":{"black_word":…}}.
      return state.blackWordAnswer === 'array' ? words : { result: { black_word: words.join(',') } }
    },
    'sms/get_total_fee'(fields) {
      const date = required(fields, 'date')
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) fail(2, '请求参数格式错误', 'date 格式为 yyyy-MM-dd')
      const sent = state.messages.filter(
        (m) => m.endpoint.startsWith('sms/') && chinaTime(m.sentAt).startsWith(date),
      )
      return {
        total_count: sent.reduce((n, m) => n + m.count, 0),
        total_fee: Math.round(sent.reduce((n, m) => n + m.fee, 0) * 1000) / 1000,
        unit: 'RMB',
      }
    },
    'sms/get_record'(fields) {
      const { start, end } = timeWindow(fields)
      const mobile = fields.get('mobile')
      const size = pageSize(fields)
      const pageNum = integerField(fields, 'page_num', 1, 1)
      // `type`: absent lists domestic messages only, `global` international ones, `all` both (the
      // get_record docs; the SDKs pass it through untouched).
      const type = fields.get('type') ?? 'domestic'
      if (!['domestic', 'global', 'all'].includes(type))
        fail(2, '请求参数格式错误', 'type 只能是 all 或 global')
      const wanted = (m: OutboxMessage) => type === 'all' || (type === 'global') === m.mobile.startsWith('+')
      return state.messages
        .filter(
          (m) =>
            m.endpoint.startsWith('sms/') &&
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
  }
}
