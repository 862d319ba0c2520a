import { describe, expect, it } from 'vitest'
import { YunpianClient } from '../src/index.js'
import { recorder } from './recorder.js'

/*
 * Every endpoint beyond the first eight, on the wire: the exact path, headers and body bytes the client
 * writes, and how it reads Yunpian's answer (64-bit ids stay exact). The server is a raw recorder.
 */
const APIKEY = 'a'.repeat(32)
const BIG = '18446744073709551615' // 2^64 − 1: any rounding shows

async function call<T>(answer: string, run: (client: YunpianClient) => Promise<T>) {
  const server = await recorder({ body: answer })
  const client = new YunpianClient({ apikey: APIKEY, baseUrl: `${server.url}/prefix`, retries: 0 })
  try {
    const result = await run(client)
    const [request] = server.requests
    return { result, request: request! }
  } finally {
    await client.close()
  }
}

describe('the new endpoints on the wire', () => {
  it('sms.tplBatchSend: path, headers, double-encoded tpl_value, exact sids', async () => {
    const { request, result } = await call(
      `{"total_count":2,"total_fee":"0.1000","unit":"RMB","data":[{"code":0,"msg":"发送成功","count":1,"fee":0.05,"unit":"RMB","mobile":"13800138000","sid":${BIG}},{"code":10,"msg":"手机号黑名单过滤","count":0,"fee":0,"unit":"RMB","mobile":"13900139000","sid":0}]}`,
      (c) =>
        c.sms.tplBatchSend({
          mobile: ['13800138000', '13900139000'],
          tplId: '9223372036854775807',
          tplValue: { code: '1234', company: 'Acme Ltd' },
          uid: 'batch-1',
        }),
    )
    expect(request.method).toBe('POST')
    expect(request.path).toBe('/prefix/v2/sms/tpl_batch_send.json')
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=utf-8')
    expect(request.headers.accept).toBe('application/json;charset=utf-8')
    expect(request.body).toBe(
      `apikey=${APIKEY}&mobile=13800138000%2C13900139000&tpl_id=9223372036854775807&tpl_value=%2523code%2523%3D1234%26%2523company%2523%3DAcme%2520Ltd&uid=batch-1`,
    )
    expect(result).toMatchObject({ totalCount: 2, totalFee: 0.1, unit: 'RMB' })
    expect(result.data.map((d) => [d.code, d.sid])).toEqual([
      [0, BIG],
      [10, '0'],
    ])
  })

  it('sms.getReply sends page_num and page_size always, as the SDKs require them', async () => {
    const { request, result } = await call(
      '[{"id":"2a70c6bb4f2845da816ea1bfe5732747","mobile":"15205201314","text":"收到了，谢谢！","reply_time":"2014-03-17 22:55:21","extend":"01","base_extend":"8888","_sign":"393d079e0a00912335adfe46f4a2e10f"}]',
      (c) =>
        c.sms.getReply({ startTime: '2014-03-17 00:00:00', endTime: new Date(Date.UTC(2014, 2, 17, 16)) }),
    )
    expect(request.path).toBe('/prefix/v2/sms/get_reply.json')
    expect(request.body).toBe(
      `apikey=${APIKEY}&start_time=2014-03-17%2000%3A00%3A00&end_time=2014-03-18%2000%3A00%3A00&page_num=1&page_size=20`,
    )
    expect(result).toEqual([
      {
        id: '2a70c6bb4f2845da816ea1bfe5732747',
        mobile: '15205201314',
        text: '收到了，谢谢！',
        replyTime: '2014-03-17 22:55:21',
        repliedAt: new Date(Date.UTC(2014, 2, 17, 14, 55, 21)),
        extend: '01',
        baseExtend: '8888',
      },
    ])
  })

  it.each([
    ['an array (yunpian-java-sdk v2)', '["代开发票","赌博"]'],
    ['{"result":{"black_word":…}} (Yunpian’s docs)', '{"result":{"black_word":"代开发票,赌博"}}'],
  ])('sms.getBlackWord reads %s', async (_name, answer) => {
    const { request, result } = await call(answer, (c) =>
      c.sms.getBlackWord({ text: '【Acme】代开发票 赌博' }),
    )
    expect(request.body).toBe(`apikey=${APIKEY}&text=${encodeURIComponent('【Acme】代开发票 赌博')}`)
    expect(result).toEqual(['代开发票', '赌博'])
  })

  it('sms.getTotalFee sends one China date and reads a string or number fee', async () => {
    const { request, result } = await call('{"total_count":3,"total_fee":"0.1500","unit":"RMB"}', (c) =>
      c.sms.getTotalFee({ date: new Date(Date.UTC(2024, 0, 1, 17)) }),
    )
    expect(request.path).toBe('/prefix/v2/sms/get_total_fee.json')
    expect(request.body).toBe(`apikey=${APIKEY}&date=2024-01-02`)
    expect(result).toEqual({ totalCount: 3, totalFee: 0.15, unit: 'RMB' })
  })

  it('user.set sends only what changes and reads the account', async () => {
    const { request, result } = await call(
      '{"nick":"acme","gmt_created":"2024-01-01 00:00:00","mobile":"13800138000","email":null,"ip_whitelist":null,"api_version":"v2","alarm_balance":100,"emergency_contact":"zhangshan","emergency_mobile":"13012345678","balance":9.5}',
      (c) => c.user.set({ emergencyContact: 'zhangshan', emergencyMobile: '13012345678', alarmBalance: 100 }),
    )
    expect(request.path).toBe('/prefix/v2/user/set.json')
    expect(request.body).toBe(
      `apikey=${APIKEY}&emergency_contact=zhangshan&emergency_mobile=13012345678&alarm_balance=100`,
    )
    expect(result).toMatchObject({ alarmBalance: 100, emergencyContact: 'zhangshan', balance: 9.5 })
  })

  it('tpl.add: body and a 64-bit tpl_id read exactly', async () => {
    const { request, result } = await call(
      `{"tpl_id":${BIG},"tpl_content":"【Acme】Your code is #code#","check_status":"CHECKING","reason":null,"lang":"en","country_code":null}`,
      (c) => c.tpl.add({ content: '【Acme】Your code is #code#', notifyType: 1, lang: 'en' }),
    )
    expect(request.path).toBe('/prefix/v2/tpl/add.json')
    expect(request.body).toBe(
      `apikey=${APIKEY}&tpl_content=${encodeURIComponent('【Acme】Your code is #code#')}&notify_type=1&lang=en`,
    )
    expect(result).toEqual({
      id: BIG,
      content: '【Acme】Your code is #code#',
      checkStatus: 'CHECKING',
      reason: null,
      lang: 'en',
      countryCode: null,
    })
  })

  it('tpl.get answers a list whether Yunpian sends one object or an array', async () => {
    const one = await call(
      '{"tpl_id":7,"tpl_content":"【A】#code#","check_status":"SUCCESS","reason":null}',
      (c) => c.tpl.get({ id: 7 }),
    )
    expect(one.request.body).toBe(`apikey=${APIKEY}&tpl_id=7`)
    expect(one.result.map((t) => [t.id, t.checkStatus])).toEqual([['7', 'SUCCESS']])
    const all = await call(
      '[{"tpl_id":7,"tpl_content":"【A】#code#","check_status":"SUCCESS","reason":null},{"tpl_id":8,"tpl_content":"【A】#x#","check_status":"FAIL","reason":"含有营销内容"}]',
      (c) => c.tpl.get(),
    )
    expect(all.request.body).toBe(`apikey=${APIKEY}`)
    expect(all.result.map((t) => [t.id, t.reason])).toEqual([
      ['7', null],
      ['8', '含有营销内容'],
    ])
  })

  it.each([
    [
      'wrapped in "template" (the Java and Python SDKs unwrap it)',
      '{"template":{"tpl_id":7,"tpl_content":"【A】Code #code#","check_status":"CHECKING","reason":null}}',
    ],
    ['bare', '{"tpl_id":7,"tpl_content":"【A】Code #code#","check_status":"CHECKING","reason":null}'],
  ])('tpl.update reads the answer %s', async (_name, answer) => {
    const { request, result } = await call(answer, (c) =>
      c.tpl.update({ id: 7, content: '【A】Code #code#' }),
    )
    expect(request.path).toBe('/prefix/v2/tpl/update.json')
    expect(request.body).toBe(
      `apikey=${APIKEY}&tpl_id=7&tpl_content=${encodeURIComponent('【A】Code #code#')}`,
    )
    expect(result).toMatchObject({ id: '7', checkStatus: 'CHECKING' })
  })

  it('tpl.del', async () => {
    const { request, result } = await call(
      '{"tpl_id":7,"tpl_content":"【A】#code#","check_status":"SUCCESS","reason":null}',
      (c) => c.tpl.del({ id: '7' }),
    )
    expect([request.path, request.body]).toEqual(['/prefix/v2/tpl/del.json', `apikey=${APIKEY}&tpl_id=7`])
    expect(result.id).toBe('7')
  })

  it('sign.add strips 【】 and writes booleans as true/false', async () => {
    const { request, result } = await call(
      '{"sign":{"apply_state":"SUCCESS","sign":"Acme","is_apply_vip":false,"is_only_global":true,"industry_type":"物联网"}}',
      (c) =>
        c.sign.add({
          sign: '【Acme】',
          notify: true,
          applyVip: false,
          isOnlyGlobal: true,
          industryType: '物联网',
        }),
    )
    expect(request.path).toBe('/prefix/v2/sign/add.json')
    expect(request.body).toBe(
      `apikey=${APIKEY}&sign=Acme&notify=true&apply_vip=false&is_only_global=true&industry_type=${encodeURIComponent('物联网')}`,
    )
    expect(result).toEqual({
      applyState: 'SUCCESS',
      sign: 'Acme',
      isApplyVip: false,
      isOnlyGlobal: true,
      industryType: '物联网',
    })
  })

  it('sign.get reads {total, sign:[…]}', async () => {
    const { request, result } = await call(
      '{"total":1,"sign":[{"sign":"Acme","check_status":"SUCCESS","enabled":true,"extend":"","only_global":false,"remark":"","vip":false,"chan":"x"}]}',
      (c) => c.sign.get({ pageNum: 1, pageSize: 10 }),
    )
    expect(request.body).toBe(`apikey=${APIKEY}&page_num=1&page_size=10`)
    expect(result).toEqual({
      total: 1,
      signs: [
        {
          sign: 'Acme',
          checkStatus: 'SUCCESS',
          enabled: true,
          extend: '',
          onlyGlobal: false,
          remark: '',
          vip: false,
          chan: 'x',
        },
      ],
    })
  })
})
