import { describe, expect, it } from 'vitest'
import { YunpianApiError, YunpianClient, YunpianValidationError } from '../src/index.js'
import { rejection } from './helpers.js'
import { recorder } from './recorder.js'

const APIKEY = 'a'.repeat(32)
const SIGNED = '【Acme】Your code is 1234'
const BATCH_ANSWER =
  '{"total_count":1,"total_fee":"0.0500","unit":"RMB","data":[{"code":0,"msg":"发送成功","count":1,"fee":0.05,"unit":"RMB","mobile":"13800138000","sid":18446744073709551615}]}'

async function clientOn(answer: { status?: number; body: string }) {
  const server = await recorder(answer)
  const client = new YunpianClient({ apikey: APIKEY, baseUrl: server.url, retries: 0 })
  return { server, client }
}

describe('client fixes, each following an official source', () => {
  it('batchSend passes mobileStat as mobile_stat (the batch_send docs list it)', async () => {
    const { server, client } = await clientOn({ body: BATCH_ANSWER })
    const result = await client.sms.batchSend({ mobile: ['13800138000'], text: SIGNED, mobileStat: true })
    expect(server.requests[0]?.body).toBe(
      `apikey=${APIKEY}&mobile=13800138000&text=${encodeURIComponent(SIGNED)}&mobile_stat=true`,
    )
    expect(result.data[0]?.sid).toBe('18446744073709551615')
    await client.close()
  })

  it('uid takes up to 256 characters, as yunpian-java-sdk and yunpian-python-sdk document', async () => {
    const { server, client } = await clientOn({
      body: '{"code":0,"msg":"发送成功","count":1,"fee":0.05,"unit":"RMB","mobile":"13800138000","sid":1}',
    })
    await client.sms.singleSend({ mobile: '13800138000', text: SIGNED, uid: 'u'.repeat(256) })
    expect(server.requests[0]?.body).toContain(`uid=${'u'.repeat(256)}`)
    const error = await rejection(
      client.sms.singleSend({ mobile: '13800138000', text: SIGNED, uid: 'u'.repeat(257) }),
    )
    expect(error).toBeInstanceOf(YunpianValidationError)
    expect(error.message).toMatch(/uid.*at most 256/)
    expect(server.requests).toHaveLength(1)
    await client.close()
  })

  it('a string code in an HTTP 400 body is read as the number (yunpian-java-sdk, -python-sdk, -php-sdk)', async () => {
    const { client } = await clientOn({
      status: 400,
      body: '{"http_status_code":400,"code":"33","msg":null,"detail":"验证码类短信，同一号码同一模板30秒内只能发送一条"}',
    })
    const error = (await rejection(
      client.sms.singleSend({ mobile: '13800138000', text: SIGNED }),
    )) as YunpianApiError
    expect(error).toBeInstanceOf(YunpianApiError)
    expect(error).toMatchObject({ code: 33, kind: 'rate_limited', msg: null, httpStatus: 400 })
    await client.close()
  })

  it('a code that is not a number, even as a string, stays a transport error', async () => {
    const { client } = await clientOn({ status: 400, body: '{"code":"busy","msg":"x"}' })
    const error = await rejection(client.sms.singleSend({ mobile: '13800138000', text: SIGNED }))
    expect(error.name).toBe('YunpianTransportError')
    await client.close()
  })
})
