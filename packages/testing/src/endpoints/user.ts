import { fail, integerField } from '../failure.js'
import { readMobile } from '../mobile.js'
import type { EndpointGroup, FakeState } from '../state.js'

/** `/v2/user/*`: the account. */
export function userEndpoints(state: FakeState): EndpointGroup {
  const answer = () => ({
    nick: state.account.nick,
    gmt_created: '2024-01-01 00:00:00',
    mobile: '13800138000',
    email: 'fake@example.com',
    ip_whitelist: null,
    api_version: 'v2',
    alarm_balance: state.account.alarmBalance,
    emergency_contact: state.account.emergencyContact,
    emergency_mobile: state.account.emergencyMobile,
    balance: Math.round(state.account.balance * 1000) / 1000,
  })
  return {
    'user/get'() {
      return answer()
    },
    'user/set'(fields) {
      const contact = fields.get('emergency_contact')
      const mobile = fields.get('emergency_mobile')
      if (mobile !== null && !readMobile(mobile)) fail(2, '请求参数格式错误', 'emergency_mobile 格式不正确')
      const alarm = integerField(fields, 'alarm_balance', state.account.alarmBalance, 0)
      if (contact !== null) state.account.emergencyContact = contact
      if (mobile !== null) state.account.emergencyMobile = mobile
      state.account.alarmBalance = alarm
      return answer()
    },
  }
}
