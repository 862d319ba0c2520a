import { describe, expect, it } from 'vitest'
import { checkWebhookOptions, otpSendBodySchema, otpVerifyBodySchema } from '../src/http/index.js'
import { OTP_FIELD_RULES } from '../src/otp/fields.js'

const owner = {
  package: '@yunpian-kit/x',
  name: (field?: string) => (field ? `webhook.${field}` : 'webhook'),
}
const SECRET = 's'.repeat(16)

describe('checkWebhookOptions', () => {
  it('names the option, what it got and what is allowed, and never prints the secret', () => {
    expect(() => checkWebhookOptions(owner, { secret: 'short-secret', onStatus: () => {} })).toThrow(
      '@yunpian-kit/x: webhook.secret must be a string of at least 16 characters, hard to guess; got a string of 12 characters',
    )
    expect(() => checkWebhookOptions(owner, { secret: 'short-secret', onStatus: () => {} })).not.toThrow(
      /short-secret/,
    )
    expect(() => checkWebhookOptions(owner, { secret: undefined as unknown as string })).toThrow(
      /webhook\.secret .* got undefined/,
    )
    expect(() => checkWebhookOptions(owner, { secret: SECRET })).toThrow(
      '@yunpian-kit/x: webhook needs onStatus, onReply or a queue',
    )
    expect(() => checkWebhookOptions(owner, { secret: SECRET, onReply: () => {} })).toThrow(
      '@yunpian-kit/x: webhook.apikey is required with onReply, to check reply signatures; got undefined',
    )
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
