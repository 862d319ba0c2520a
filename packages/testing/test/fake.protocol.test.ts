import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { FAKE_APIKEY, type FakeYunpian, type FakeYunpianOptions, startFakeYunpian } from '../src/index.js'

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((x) => x.close()))
})

async function fake(options: FakeYunpianOptions = {}): Promise<FakeYunpian> {
  const f = await startFakeYunpian(options)
  opened.push(f)
  return f
}

/** Exactly these bytes, as a form POST (or another method). */
async function raw(f: FakeYunpian, path: string, body: string | undefined, method = 'POST') {
  const response = await fetch(`${f.url}/v2/${path}.json`, {
    method,
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    ...(body === undefined ? {} : { body }),
  })
  const text = await response.text()
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    text,
    json: () => JSON.parse(text),
  }
}

const K = FAKE_APIKEY

describe('the fake reads tpl_value as the official SDKs write it', () => {
  it('a + is a space: yunpian-python-sdk bytes (urlencode inside, requests outside)', async () => {
    const f = await fake({ templates: [{ id: 1, text: '【Acme】#company# code #code#' }] })
    // urlencode({'#code#': '1234', '#company#': 'Acme Ltd'}), then form-encoded again by requests.
    const body = `apikey=${K}&mobile=13800138000&tpl_id=1&tpl_value=%2523code%2523%3D1234%26%2523company%2523%3DAcme%2BLtd`
    const answer = await raw(f, 'sms/tpl_single_send', body)
    expect(answer.status).toBe(200)
    expect(f.outbox.last('13800138000')?.text).toBe('【Acme】Acme Ltd code 1234')
  })

  it('a second unencoded = stays in the value instead of truncating it', async () => {
    const f = await fake({ templates: [{ id: 2, text: '【Acme】#code# #url#' }] })
    const body = `apikey=${K}&mobile=13800138000&tpl_id=2&tpl_value=%2523code%2523%3D1234%26%2523url%2523%3Dhttps%3A%2F%2Fx.cn%2F%3Fa%3Db`
    expect((await raw(f, 'sms/tpl_single_send', body)).status).toBe(200)
    expect(f.outbox.last('13800138000')?.text).toBe('【Acme】1234 https://x.cn/?a=b')
  })

  it('a malformed % escape answers the JSON envelope (code 14, yunpian-java-sdk DECODE_ERROR), not a crash', async () => {
    const f = await fake({ templates: [{ id: 1, text: '【Acme】#code#' }] })
    const answer = await raw(
      f,
      'sms/tpl_single_send',
      `apikey=${K}&mobile=13800138000&tpl_id=1&tpl_value=%2523code%2523%3D%25zz`,
    )
    expect(answer.status).toBe(400)
    expect(answer.json()).toMatchObject({ http_status_code: 400, code: 14, msg: '解码失败' })
    const multi = await raw(f, 'sms/multi_send', `apikey=${K}&mobile=13800138000&text=%25E4%25zz`)
    expect([multi.status, multi.json().code]).toEqual([400, 14])
    expect(f.outbox.size).toBe(0)
  })
})

describe('the fake answers parameter problems as Yunpian does', () => {
  it.each([
    ['sms/single_send', `apikey=${K}&text=x`, 'mobile'],
    ['sms/single_send', `apikey=${K}&mobile=13800138000`, 'text'],
    ['sms/batch_send', `apikey=${K}&text=%E3%80%90A%E3%80%91x`, 'mobile'],
    ['sms/tpl_single_send', `apikey=${K}&mobile=13800138000&tpl_value=x`, 'tpl_id'],
    ['sms/tpl_single_send', `apikey=${K}&mobile=13800138000&tpl_id=1`, 'tpl_value'],
    ['sms/get_record', `apikey=${K}&end_time=2024-01-01+00%3A00%3A00`, 'start_time'],
    ['user/get', '', 'apikey'],
  ])('%s without %s… answers code 1 请求参数缺失 (not 58, 5 or 2)', async (path, body, _name) => {
    const f = await fake({ templates: [{ id: 1, text: '【A】#code#' }] })
    const answer = await raw(f, path, body)
    expect(answer.status).toBe(400)
    expect(answer.json()).toMatchObject({ code: 1, msg: '请求参数缺失' })
  })

  it('code 2 keeps its own message', async () => {
    const f = await fake()
    const answer = await raw(f, 'sms/single_send', `apikey=${K}&mobile=123&text=x`)
    expect(answer.json()).toMatchObject({ code: 2, msg: '请求参数格式错误' })
  })

  it('a GET answers code 11 (yunpian-java-sdk GET_METHOD_NOT_SUPPORT) in the JSON envelope', async () => {
    const f = await fake()
    const answer = await raw(f, 'user/get', undefined, 'GET')
    expect(answer.status).toBe(400)
    expect(answer.type).toContain('application/json')
    expect(answer.json()).toMatchObject({ http_status_code: 400, code: 11, msg: '接口不支持GET方式调用' })
  })
})

describe('get_record type', () => {
  const window = { start_time: '2024-01-01 00:00:00', end_time: '2024-01-02 00:00:00' }
  it('lists domestic messages by default, international with global, both with all', async () => {
    const f = await fake({ now: Date.UTC(2024, 0, 1, 4) })
    await raw(
      f,
      'sms/single_send',
      new URLSearchParams({ apikey: K, mobile: '13800138000', text: '【A】cn' }).toString(),
    )
    await raw(
      f,
      'sms/single_send',
      new URLSearchParams({ apikey: K, mobile: '+447400123456', text: '【A】gb' }).toString(),
    )
    const list = async (type?: string) =>
      (
        await raw(
          f,
          'sms/get_record',
          new URLSearchParams({ apikey: K, ...window, ...(type ? { type } : {}) }).toString(),
        )
      )
        .json()
        .map((r: { text: string }) => r.text)
    expect(await list()).toEqual(['【A】cn'])
    expect(await list('global')).toEqual(['【A】gb'])
    expect(await list('all')).toEqual(['【A】cn', '【A】gb'])
    const bad = await raw(
      f,
      'sms/get_record',
      new URLSearchParams({ apikey: K, ...window, type: 'x' }).toString(),
    )
    expect(bad.json().code).toBe(2)
  })
})

describe('reply pushes', () => {
  it('are retried 5 times, as the reply docs say (status pushes keep 3)', async () => {
    let received = 0
    const server = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        received++
        res.end('FAIL')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    opened.push({ close: () => new Promise((r) => server.close(() => r())) })
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/replies`
    const f = await fake({ reports: { replyUrl: url, replyRetryDelayMs: 2 } })
    f.reply({ mobile: '13800138000', text: 'TD' })
    await f.reportsSettled()
    expect(f.pushes.map((p) => [p.kind, p.attempt])).toEqual([1, 2, 3, 4, 5, 6].map((n) => ['sms_reply', n]))
    expect(received).toBe(6)
  })
})
