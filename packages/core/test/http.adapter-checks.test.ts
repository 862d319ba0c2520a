import { describe, expect, it } from 'vitest'
import { YunpianOptionsError } from '../src/errors.js'
import { checkWebhookOptions, otpSendBodySchema, otpVerifyBodySchema } from '../src/http/index.js'
import { OTP_FIELD_RULES } from '../src/otp/fields.js'
import { thrown } from './helpers.js'

const owner = '@yunpian-kit/x yunpianReports()'
const SECRET = 's'.repeat(16)

describe('checkWebhookOptions', () => {
  it('names the option, what it got and what is allowed, and never prints the secret', () => {
    const short = thrown(() =>
      checkWebhookOptions(owner, { secret: 'short-secret', onStatus: () => {} }, 'webhook.'),
    )
    expect(short).toBeInstanceOf(YunpianOptionsError)
    expect(short).toMatchObject({
      option: 'webhook.secret',
      owner,
      message:
        'Invalid @yunpian-kit/x yunpianReports() options: webhook.secret: got a string of 12 characters (redacted); must be a string of at least 16 characters, hard to guess',
    })
    expect(short.message).not.toMatch(/short-secret/)
    expect(
      thrown(() => checkWebhookOptions(owner, { secret: undefined as unknown as string })),
    ).toMatchObject({
      option: 'secret',
      message: expect.stringMatching(/secret: got nothing; must be a string/),
    })
    expect(thrown(() => checkWebhookOptions(owner, { secret: SECRET }))).toMatchObject({
      option: 'onStatus',
      message: expect.stringContaining('onStatus: needs onStatus, onReply or a queue'),
    })
    expect(
      thrown(() => checkWebhookOptions(owner, { secret: SECRET, onReply: () => {} }, 'webhook.')),
    ).toMatchObject({
      option: 'webhook.apikey',
      message:
        'Invalid @yunpian-kit/x yunpianReports() options: webhook.apikey: got nothing; is required with onReply, to check reply signatures',
    })
  })

  it('accepts a long secret with a handler, a queue, or onReply with its apikey', () => {
    expect(() => checkWebhookOptions(owner, { secret: SECRET, onStatus: () => {} })).not.toThrow()
    expect(() => checkWebhookOptions(owner, { secret: SECRET, queue: {} })).not.toThrow()
    expect(() => checkWebhookOptions(owner, { secret: SECRET, onReply: () => {}, apikey: 'k' })).not.toThrow()
  })
})

describe('OTP body schemas', () => {
  it("follow the service's field rules: a code is up to 16 digits", () => {
    const mobile = '+447400123456'
    expect(OTP_FIELD_RULES.code.max).toBe(16)
    for (const code of ['1', '123456', '1'.repeat(16)])
      expect(otpVerifyBodySchema.safeParse({ mobile, code }).success).toBe(true)
    for (const code of ['', '1'.repeat(17), '12a4', 123456])
      expect(otpVerifyBodySchema.safeParse({ mobile, code }).success).toBe(false)
    expect(otpSendBodySchema.safeParse({ mobile: 'x'.repeat(33) }).success).toBe(false)
    expect(otpSendBodySchema.safeParse({ mobile, captchaToken: 't'.repeat(4097) }).success).toBe(false)
  })
})
