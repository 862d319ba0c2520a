import { describe, expect, it } from 'vitest'
import { setup } from './helpers.js'

const SIGNED = '【Acme】Your verification code is 123456.'

describe('YunpianClient endpoints against the fake over HTTP', () => {
  it('singleSend returns Yunpian’s answer with an exact 64-bit sid', async () => {
    const { fake, client } = await setup()
    const result = await client.sms.singleSend({ mobile: '13800138000', text: SIGNED, uid: 'order-1' })
    expect(result).toMatchObject({ code: 0, count: 1, fee: 0.05, unit: 'RMB', mobile: '13800138000' })
    expect(typeof result.sid).toBe('string')
    expect(BigInt(result.sid)).toBeGreaterThan(2n ** 53n)
    expect(result.sid).toBe(fake.outbox.last('13800138000')?.sid)
    expect(result.sid).toBe('9007199254740993')
    expect(fake.outbox.last('13800138000')).toMatchObject({ text: SIGNED, uid: 'order-1' })
  })

  it('singleSend reaches international numbers and passes every optional field', async () => {
    const { fake, client } = await setup()
    await client.sms.singleSend({
      mobile: '+447700900123',
      text: '【Acme】Your code is 4821',
      extend: '001',
      callbackUrl: 'http://127.0.0.1:9/reports',
      register: true,
      mobileStat: false,
    })
    expect(fake.outbox.last('+447700900123')).toMatchObject({
      mobile: '+447700900123',
      extend: '001',
      callbackUrl: 'http://127.0.0.1:9/reports',
      register: true,
    })
  })

  it('bills 70 characters as one SMS and longer texts per 67', async () => {
    const { client } = await setup()
    const at70 = await client.sms.singleSend({ mobile: '13800138000', text: `【Acme】${'x'.repeat(64)}` })
    const at71 = await client.sms.singleSend({ mobile: '13800138001', text: `【Acme】${'x'.repeat(65)}` })
    expect([at70.count, at71.count]).toEqual([1, 2])
  })

  it('batchSend sends one text to many numbers, with per-number results', async () => {
    const { fake, client } = await setup()
    const result = await client.sms.batchSend({ mobile: ['13800138000', '13900139000'], text: SIGNED })
    expect(result.totalCount).toBe(2)
    expect(result.totalFee).toBeCloseTo(0.1)
    expect(result.data.map((d) => [d.code, d.mobile])).toEqual([
      [0, '13800138000'],
      [0, '13900139000'],
    ])
    expect(result.data.every((d) => d.sid && BigInt(d.sid) > 2n ** 53n)).toBe(true)
    expect(fake.outbox.size).toBe(2)
  })

  it('multiSend pairs texts with numbers, commas and ampersands intact', async () => {
    const { fake, client } = await setup()
    const texts = ['【Acme】Hi Ann, your code is 1111 & welcome', '【Acme】Hi Bob, 50% off+more: 2222']
    const result = await client.sms.multiSend({ mobile: ['13800138000', '13900139000'], text: texts })
    expect(result.data).toHaveLength(2)
    expect(fake.outbox.all().map((m) => [m.mobile, m.text])).toEqual([
      ['13800138000', texts[0]],
      ['13900139000', texts[1]],
    ])
  })

  it('tplSingleSend double-encodes tpl_value so values with & = # survive', async () => {
    const { fake, client } = await setup({
      templates: [{ id: 7, text: '【Acme】Hi #name#, your code is #code#' }],
    })
    await client.sms.tplSingleSend({
      mobile: '13800138000',
      tplId: 7,
      tplValue: { name: 'A&B=C #1', '#code#': '4821' },
    })
    expect(fake.outbox.last('13800138000')?.text).toBe('【Acme】Hi A&B=C #1, your code is 4821')
  })

  it('pullStatus returns typed reports, once each (Yunpian deletes what it returned)', async () => {
    const { client } = await setup({ now: Date.UTC(2024, 2, 17, 14, 55, 21) })
    const sent = await client.sms.singleSend({ mobile: '13800138000', text: SIGNED, uid: 'u1' })
    const reports = await client.sms.pullStatus({ pageSize: 100 })
    expect(reports).toEqual([
      {
        sid: sent.sid,
        uid: 'u1',
        mobile: '13800138000',
        delivered: true,
        reportStatus: 'SUCCESS',
        receivedAt: new Date(Date.UTC(2024, 2, 17, 14, 55, 21)),
        userReceiveTime: '2024-03-17 22:55:21',
        errorCode: 'DELIVRD',
        errorDetail: null,
      },
    ])
    expect(await client.sms.pullStatus()).toEqual([])
  })

  it('pullReply returns inbound replies', async () => {
    const { fake, client } = await setup()
    fake.reply({ mobile: '13800138000', text: '收到了，谢谢！' })
    const replies = await client.sms.pullReply({ pageSize: 20 })
    expect(replies).toHaveLength(1)
    expect(replies[0]).toMatchObject({ mobile: '13800138000', text: '收到了，谢谢！', baseExtend: '8888' })
    expect(replies[0]?.repliedAt).toBeInstanceOf(Date)
  })

  it('getRecord lists sent messages in a China-time window', async () => {
    const now = Date.UTC(2024, 0, 1, 4, 0, 0)
    const { client } = await setup({ now })
    const sent = await client.sms.singleSend({ mobile: '13800138000', text: SIGNED })
    const records = await client.sms.getRecord({
      startTime: new Date(now - 60_000),
      endTime: '2024-01-01 12:01:00',
      mobile: '13800138000',
    })
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({ sid: sent.sid, text: SIGNED, reportStatus: 'SUCCESS', count: 1 })
  })

  it('user.get returns the account, balance lowered by what was sent', async () => {
    const { client } = await setup({ balance: 10 })
    await client.sms.singleSend({ mobile: '13800138000', text: SIGNED })
    const account = await client.user.get()
    expect(account.balance).toBeCloseTo(9.95)
    expect(account).toMatchObject({ apiVersion: 'v2', nick: 'fake' })
  })

  it('region picks Yunpian’s host and baseUrl overrides it', async () => {
    const { YunpianClient } = await import('../src/index.js')
    const apikey = 'a'.repeat(32)
    expect(new YunpianClient({ apikey }).baseUrl).toBe('https://sms.yunpian.com')
    expect(new YunpianClient({ apikey, region: 'us' }).baseUrl).toBe('https://us.yunpian.com')
    expect(new YunpianClient({ apikey, region: 'us', baseUrl: 'http://127.0.0.1:1' }).baseUrl).toBe(
      'http://127.0.0.1:1',
    )
  })
})
