import { afterEach, describe, expect, it } from 'vitest'
import { type FakeYunpian, type FakeYunpianOptions, startFakeYunpian } from '../src/index.js'

/*
 * Each body below is byte for byte what yunpian-python-sdk sends: requests form-encodes the param dict
 * with urllib's urlencode (space as +), and verify_param appends the apikey last. Template values are
 * built as its docs say, urlencode({'#code#': …}), and are therefore encoded twice.
 */
const K = 'fa4e0000000000000000000000000000'

const opened: FakeYunpian[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((f) => f.close()))
})

async function fake(options: FakeYunpianOptions = {}) {
  const f = await startFakeYunpian(options)
  opened.push(f)
  return f
}

async function post(f: FakeYunpian, path: string, body: string) {
  const response = await fetch(`${f.url}/v2/${path}.json`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
      accept: 'application/json;charset=utf-8',
    },
    body,
  })
  const text = await response.text()
  return { status: response.status, text, json: JSON.parse(text) }
}

describe('the fake answers the official SDKs’ exact bytes', () => {
  it('sms/tpl_batch_send (SmsApi.tpl_batch_send): one template to many, exact sids per number', async () => {
    const f = await fake({ templates: [{ id: 1, text: '【Acme】#company#: your code is #code#' }] })
    const { status, text, json } = await post(
      f,
      'sms/tpl_batch_send',
      `mobile=13800138000%2C13900139000&tpl_id=1&tpl_value=%2523code%2523%3D1234%26%2523company%2523%3DAcme%2BLtd&apikey=${K}`,
    )
    expect(status).toBe(200)
    expect(text).toMatch(/"sid":9007199254740993[,}]/)
    expect(text).toMatch(/"sid":9007199254740994[,}]/)
    expect(json).toMatchObject({ total_count: 2, unit: 'RMB' })
    expect(f.outbox.all().map((m) => [m.mobile, m.text, m.tplId, m.endpoint])).toEqual([
      ['13800138000', '【Acme】Acme Ltd: your code is 1234', 1, 'sms/tpl_batch_send'],
      ['13900139000', '【Acme】Acme Ltd: your code is 1234', 1, 'sms/tpl_batch_send'],
    ])
  })

  it('sms/get_reply (SmsApi.get_reply): replies in the window, newest first, not deleted', async () => {
    const f = await fake({ now: Date.UTC(2024, 0, 1, 4) })
    f.reply({ mobile: '13800138000', text: '1' })
    f.advance(1000)
    f.reply({ mobile: '13800138000', text: '2' })
    const body = `start_time=2024-01-01+00%3A00%3A00&end_time=2024-01-02+00%3A00%3A00&page_num=1&page_size=20&apikey=${K}`
    const first = await post(f, 'sms/get_reply', body)
    expect(first.json.map((r: { text: string }) => r.text)).toEqual(['2', '1'])
    expect(first.json[0]).toMatchObject({ mobile: '13800138000', reply_time: '2024-01-01 12:00:01' })
    expect((await post(f, 'sms/get_reply', body)).json).toHaveLength(2)
  })

  it('sms/get_black_word (SmsApi.get_black_word): an array by default, the docs’ object when asked', async () => {
    const body = `text=%E3%80%90Acme%E3%80%91%E4%BB%A3%E5%BC%80%E5%8F%91%E7%A5%A8+%E6%89%BE%E6%88%91&apikey=${K}`
    expect((await post(await fake(), 'sms/get_black_word', body)).json).toEqual(['代开发票'])
    const docs = await fake({ answers: { blackWord: 'object' } })
    expect((await post(docs, 'sms/get_black_word', body)).json).toEqual({
      result: { black_word: '代开发票' },
    })
  })

  it('a send with a blocked word answers code 4', async () => {
    const f = await fake()
    const { status, json } = await post(
      f,
      'sms/single_send',
      `mobile=13800138000&text=%E3%80%90Acme%E3%80%91%E4%BB%A3%E5%BC%80%E5%8F%91%E7%A5%A8&apikey=${K}`,
    )
    expect([status, json.code]).toEqual([400, 4])
  })

  it('tpl/add, get, update, del (TplApi): review states, wrapped update, code 5 for an unknown id', async () => {
    const f = await fake()
    const added = await post(
      f,
      'tpl/add',
      `tpl_content=%E3%80%90Acme%E3%80%91Your+code+is+%23code%23&lang=en&apikey=${K}`,
    )
    expect(added.json).toEqual({
      tpl_id: 1,
      tpl_content: '【Acme】Your code is #code#',
      check_status: 'CHECKING',
      reason: null,
      lang: 'en',
      country_code: null,
    })
    // Not approved yet: a template send answers 7.
    const early = await post(
      f,
      'sms/tpl_single_send',
      `mobile=13800138000&tpl_id=1&tpl_value=%2523code%2523%3D1&apikey=${K}`,
    )
    expect(early.json.code).toBe(7)
    f.reviewTemplate(1, 'SUCCESS')
    expect((await post(f, 'tpl/get', `tpl_id=1&apikey=${K}`)).json).toMatchObject({ check_status: 'SUCCESS' })
    expect((await post(f, 'tpl/get', `apikey=${K}`)).json).toHaveLength(1)
    const updated = await post(
      f,
      'tpl/update',
      `tpl_id=1&tpl_content=%E3%80%90Acme%E3%80%91Code%3A+%23code%23&apikey=${K}`,
    )
    expect(updated.json).toMatchObject({
      template: { tpl_id: 1, tpl_content: '【Acme】Code: #code#', check_status: 'CHECKING' },
    })
    expect((await post(f, 'tpl/del', `tpl_id=1&apikey=${K}`)).json).toMatchObject({ tpl_id: 1 })
    const gone = await post(f, 'tpl/get', `tpl_id=1&apikey=${K}`)
    expect([gone.status, gone.json.code]).toEqual([400, 5])
  })

  it('sign/add and sign/get (SignApi): {sign:{…}} and {total, sign:[…]}, a duplicate is −54', async () => {
    const f = await fake({ signs: ['Yunpian'] })
    const body = `sign=Acme&notify=true&apply_vip=false&is_only_global=false&industry_type=%E7%89%A9%E8%81%94%E7%BD%91&apikey=${K}`
    expect((await post(f, 'sign/add', body)).json).toEqual({
      sign: {
        apply_state: 'SUCCESS',
        sign: 'Acme',
        is_apply_vip: false,
        is_only_global: false,
        industry_type: '物联网',
      },
    })
    const again = await post(f, 'sign/add', body)
    expect([again.status, again.json.code]).toEqual([400, -54])
    const list = await post(f, 'sign/get', `apikey=${K}`)
    expect(list.json.total).toBe(2)
    expect(
      list.json.sign.map((s: { sign: string; check_status: string }) => [s.sign, s.check_status]),
    ).toEqual([
      ['Yunpian', 'SUCCESS'],
      ['Acme', 'CHECKING'],
    ])
  })

  it('user/set (UserApi.set) answers the account as changed', async () => {
    const f = await fake()
    const { json } = await post(
      f,
      'user/set',
      `emergency_contact=zhangshan&emergency_mobile=13012345678&alarm_balance=100&apikey=${K}`,
    )
    expect(json).toMatchObject({
      emergency_contact: 'zhangshan',
      emergency_mobile: '13012345678',
      alarm_balance: 100,
    })
  })

  it('sms/get_total_fee (documented; no SDK wraps it) sums one China day', async () => {
    const f = await fake({ now: Date.UTC(2024, 0, 1, 4) })
    await post(f, 'sms/single_send', `mobile=13800138000&text=%E3%80%90A%E3%80%91hi&apikey=${K}`)
    expect((await post(f, 'sms/get_total_fee', `date=2024-01-01&apikey=${K}`)).json).toEqual({
      total_count: 1,
      total_fee: 0.05,
      unit: 'RMB',
    })
    expect((await post(f, 'sms/get_total_fee', `date=2024-01-02&apikey=${K}`)).json.total_count).toBe(0)
  })
})

describe('voice, as the official SDKs call it', () => {
  it('voice/send (VoiceApi.send): {count, fee, sid} with a 32-hex sid; pull_status type 1', async () => {
    const f = await fake()
    const { status, json } = await post(f, 'voice/send', `mobile=13800138000&code=1234&apikey=${K}`)
    expect(status).toBe(200)
    expect(json).toMatchObject({ count: 1, fee: 0.05, sid: expect.stringMatching(/^[0-9a-f]{32}$/) })
    const reports = await post(f, 'voice/pull_status', `page_size=20&type=1&apikey=${K}`)
    expect(reports.json).toMatchObject([{ sid: json.sid, mobile: '13800138000', report_status: 'SUCCESS' }])
    const international = await post(f, 'voice/send', `mobile=%2B447400123456&code=1234&apikey=${K}`)
    expect([international.status, international.json.code]).toEqual([400, 20])
  })
})
