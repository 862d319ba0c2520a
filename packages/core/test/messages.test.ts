// What a newcomer reads when something is wrong: each message names what is missing or what happened.
import { describe, expect, it } from 'vitest'
import {
  OtpService,
  YunpianApiError,
  YunpianClient,
  type YunpianClientOptions,
  YunpianOptionsError,
  YunpianTransportError,
  YunpianValidationError,
} from '../src/index.js'
import { rejection, setup, thrown } from './helpers.js'

describe('zero-config mistakes name what is missing', () => {
  it('new YunpianClient() says it needs { apikey }', () => {
    const create = () => new YunpianClient(undefined as unknown as YunpianClientOptions)
    expect(create).toThrow(YunpianOptionsError)
    expect(create).toThrow(YunpianValidationError)
    expect(create).toThrow('YunpianClient needs { apikey }, got undefined')
  })

  it('new OtpService() lists every required option', () => {
    expect(() => new OtpService(null as never)).toThrow(
      /^OtpService needs \{ client, secret, (.+, )?countries \}, got null$/,
    )
  })

  it('a bad option still names its field and what is allowed, and shows no secret', () => {
    const apikey = 'short-key'
    const error = thrown(() => new YunpianClient({ apikey }))
    expect(error).toBeInstanceOf(YunpianOptionsError)
    expect(error).toMatchObject({ option: 'apikey' })
    expect(error.message).toMatch(
      /^Invalid YunpianClient options: apikey: got a string of 9 characters \(redacted\); must be your 32-character/,
    )
    expect(error.message).not.toContain(apikey)
  })
})

describe('Yunpian errors', () => {
  it('keep msg and detail as received and explain the code in English', async () => {
    const { client } = await setup({ countries: ['SG'] })
    const error = await rejection(client.sms.singleSend({ mobile: '+447400123456', text: '【Acme】Hello.' }))
    expect(error).toBeInstanceOf(YunpianApiError)
    const api = error as YunpianApiError
    expect(api.code).toBe(20)
    expect(api.detail).toMatch(/[\u4e00-\u9fff]/) // Yunpian's Chinese, untouched
    expect(api.explanation).toBe('this country or region is not supported')
    expect(api.message).toContain('code 20 (recipient: this country or region is not supported)')
    expect(api.message).toContain(api.detail)
  })

  it('say the SMS may have been sent when the answer to a send was lost', async () => {
    const { fake, client } = await setup()
    fake.fault('reset-after-request')
    const error = await rejection(client.sms.singleSend({ mobile: '13800138000', text: '【Acme】Hello.' }))
    expect(error).toBeInstanceOf(YunpianTransportError)
    expect((error as YunpianTransportError).requestSent).toBe(true)
    expect(error.message).toContain('the SMS may have been sent, so it was not retried')
    expect(error.stack).toContain('the SMS may have been sent')
    expect(fake.outbox.size).toBe(1)
  })

  it('say nothing was sent when the request never left', async () => {
    const { fake } = await setup()
    const closedPort = new URL(fake.url).port
    await fake.close()
    const client = new YunpianClient({
      apikey: fake.apikey,
      baseUrl: `http://127.0.0.1:${closedPort}`,
      retries: 0,
    })
    const error = await rejection(client.sms.singleSend({ mobile: '13800138000', text: '【Acme】Hello.' }))
    await client.close()
    expect((error as YunpianTransportError).requestSent).toBe(false)
    expect(error.message).toContain('nothing was sent')
    expect(error.message).not.toContain('may have been sent')
  })
})
