import { describe, expect, it } from 'vitest'
import { YUNPIAN_VOICE_HOSTS, YunpianClient, YunpianValidationError } from '../src/index.js'
import { rejection, setup } from './helpers.js'
import { recorder } from './recorder.js'

const APIKEY = 'a'.repeat(32)

describe('voice verification codes', () => {
  it('live on their own host: voice.yunpian.com for both regions, baseUrl or voiceBaseUrl override', () => {
    expect(new YunpianClient({ apikey: APIKEY }).voiceBaseUrl).toBe('https://voice.yunpian.com')
    expect(new YunpianClient({ apikey: APIKEY, region: 'us' }).voiceBaseUrl).toBe(YUNPIAN_VOICE_HOSTS.us)
    expect(new YunpianClient({ apikey: APIKEY, baseUrl: 'http://127.0.0.1:1' }).voiceBaseUrl).toBe(
      'http://127.0.0.1:1',
    )
    const split = new YunpianClient({
      apikey: APIKEY,
      baseUrl: 'http://127.0.0.1:1',
      voiceBaseUrl: 'http://127.0.0.1:2/voice',
    })
    expect(JSON.stringify(split)).toBe(
      '{"region":"cn","baseUrl":"http://127.0.0.1:1","voiceBaseUrl":"http://127.0.0.1:2/voice"}',
    )
  })

  it('voice.send on the wire: path on the voice host, exact body, a string sid', async () => {
    const sms = await recorder({ body: '{}' })
    const voice = await recorder({ body: '{"count":1,"fee":0.05,"sid":"931ee0bac7494aab8a422fff5c6be3ea"}' })
    const client = new YunpianClient({ apikey: APIKEY, baseUrl: sms.url, voiceBaseUrl: `${voice.url}/v` })
    const result = await client.voice.send({
      mobile: '13800138000',
      code: '4821',
      callbackUrl: 'https://a.example/v',
    })
    expect(voice.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      [
        'POST',
        '/v/v2/voice/send.json',
        `apikey=${APIKEY}&mobile=13800138000&code=4821&callback_url=https%3A%2F%2Fa.example%2Fv`,
      ],
    ])
    expect(sms.requests).toHaveLength(0)
    expect(result).toEqual({ count: 1, fee: 0.05, sid: '931ee0bac7494aab8a422fff5c6be3ea' })
    await client.close()
  })

  it('voice.pullStatus reads call reports', async () => {
    const voice = await recorder({
      body: '[{"sid":"931ee0bac7494aab8a422fff5c6be3ea","uid":null,"user_receive_time":"2024-01-01 12:00:00","duration":"21","error_msg":"","mobile":"13800138000","report_status":"SUCCESS"}]',
    })
    const client = new YunpianClient({ apikey: APIKEY, baseUrl: voice.url })
    const reports = await client.voice.pullStatus({ pageSize: 50 })
    expect(voice.requests[0]?.body).toBe(`apikey=${APIKEY}&page_size=50`)
    expect(reports).toEqual([
      {
        sid: '931ee0bac7494aab8a422fff5c6be3ea',
        uid: null,
        mobile: '13800138000',
        reportStatus: 'SUCCESS',
        delivered: true,
        userReceiveTime: '2024-01-01 12:00:00',
        duration: 21,
        errorMsg: '',
      },
    ])
    await client.close()
  })

  it('against the fake: the code is in the outbox, the report in pullStatus; bad input never leaves', async () => {
    const { fake, client } = await setup()
    const sent = await client.voice.send({ mobile: '13800138000', code: '4821' })
    expect(sent.sid).toMatch(/^[0-9a-f]{32}$/)
    expect(fake.outbox.lastCode('13800138000')).toBe('4821')
    expect(fake.outbox.last('13800138000')?.endpoint).toBe('voice/send')
    expect((await client.voice.pullStatus()).map((r) => [r.sid, r.delivered])).toEqual([[sent.sid, true]])
    await client.voice.send({ mobile: '01088880000', code: '1234' })
    for (const bad of [
      client.voice.send({ mobile: '+447400123456', code: '1234' }),
      client.voice.send({ mobile: '13800138000', code: '123' }),
      client.voice.send({ mobile: '13800138000', code: '1234567' }),
    ])
      expect(await rejection(bad)).toBeInstanceOf(YunpianValidationError)
    expect(fake.calls.get('voice/send')).toBe(2)
  })
})
