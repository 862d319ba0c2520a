// One URL rule for every URL option and field: absolute, http:// or https://, with a host.
import { describe, expect, it } from 'vitest'
import { OtpService, YunpianClient, YunpianValidationError } from '../src/index.js'

const apikey = 'a'.repeat(32)
const RULE = 'must be an absolute http:// or https:// URL'
const refused = [
  'ftp://example.com',
  'http://',
  'https:///path',
  '/relative',
  'example.com',
  'http://exa mple.com',
]

function issueOf(make: () => unknown): { field: string; message: string } | undefined {
  try {
    make()
  } catch (error) {
    expect(error).toBeInstanceOf(YunpianValidationError)
    return (error as YunpianValidationError).issues[0]
  }
  return undefined
}

describe('URL options', () => {
  it.each(refused)('refuses %j with the same message as baseUrl, voiceBaseUrl and callbackUrl', (url) => {
    expect(issueOf(() => new YunpianClient({ apikey, baseUrl: url }))).toMatchObject({
      field: 'baseUrl',
      message: RULE,
    })
    expect(issueOf(() => new YunpianClient({ apikey, voiceBaseUrl: url }))).toMatchObject({
      field: 'voiceBaseUrl',
      message: RULE,
    })
    const client = new YunpianClient({ apikey, baseUrl: 'http://127.0.0.1:9' })
    const otp = () =>
      new OtpService({
        client,
        secret: 's'.repeat(32),
        message: ({ code }) => `【Acme】${code}`,
        countries: ['GB'],
        callbackUrl: url,
      })
    expect(issueOf(otp)).toMatchObject({ field: 'callbackUrl', message: RULE })
  })

  it('refuses the same URLs as a send request callbackUrl, before any I/O', async () => {
    const client = new YunpianClient({ apikey, baseUrl: 'http://127.0.0.1:9' })
    for (const url of refused) {
      const error = await client.sms
        .singleSend({ mobile: '13800138000', text: '【Acme】Hi', callbackUrl: url })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(YunpianValidationError)
      expect((error as YunpianValidationError).issues[0]).toMatchObject({
        field: 'callbackUrl',
        message: RULE,
      })
    }
    await client.close()
  })

  it('takes http and https URLs with a host, port and path', () => {
    for (const url of ['http://127.0.0.1:8080', 'https://example.com/base', 'HTTPS://EXAMPLE.COM']) {
      expect(() => new YunpianClient({ apikey, baseUrl: url, voiceBaseUrl: url })).not.toThrow()
    }
  })
})
