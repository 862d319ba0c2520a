import type { StringFieldRule } from '../validation/fields.js'

/**
 * The OTP requests' string fields, one rule each: the service checks requests with them and the HTTP
 * routes' body schemas (which Fastify declares) are built from them, so the two cannot disagree.
 * Patterns carry no flags: JSON Schema's `pattern` has none.
 */
export const OTP_FIELD_RULES = {
  mobile: { required: true, max: 32, message: 'is required: the phone number in E.164, e.g. +447400123456' },
  code: { required: true, max: 16, pattern: /^\d+$/, message: 'must be the digits of the code' },
  captchaToken: { required: false, max: 4096, message: 'must be a string of at most 4096 characters' },
  purpose: {
    required: false,
    max: 32,
    pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/,
    message: 'must be 1 to 32 letters, digits, _ . or -',
  },
  clientKey: { required: true, max: 256, message: 'must be a non-empty string of at most 256 characters' },
  locale: {
    required: false,
    max: 35,
    pattern: /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$/,
    message: 'must be a BCP 47 language tag such as "en" or "zh-CN"',
  },
  channel: { required: false, max: 5, pattern: /^(sms|voice)$/, message: 'must be "sms" or "voice"' },
} as const satisfies Record<string, StringFieldRule>

export type OtpField = keyof typeof OTP_FIELD_RULES

/** `send`'s fields. */
export const OTP_SEND_FIELDS = pick('mobile', 'clientKey', 'purpose', 'captchaToken', 'locale', 'channel')
/** `verify`'s fields. */
export const OTP_VERIFY_FIELDS = pick('mobile', 'code', 'purpose', 'clientKey')

function pick<K extends OtpField>(...fields: K[]): { readonly [F in K]: StringFieldRule } {
  const rules: Partial<Record<K, StringFieldRule>> = {}
  for (const field of fields) rules[field] = OTP_FIELD_RULES[field]
  return rules as { [F in K]: StringFieldRule }
}
