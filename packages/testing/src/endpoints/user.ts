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
  }
}
