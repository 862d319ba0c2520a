import { type CountryCode, type NumberType, parsePhoneNumberFromString } from 'libphonenumber-js/max'

export type { CountryCode, NumberType }

/** A mobile number as Yunpian takes it: 11 mainland digits without `+`, or E.164 with `+`. */
export type ParsedMobile =
  | {
      ok: true
      /** Whether Yunpian treats it as international (it carries `+` and is not +86). */
      international: boolean
      /** E.164 (`+8613800138000` for a mainland number). */
      e164: string
      /** ISO 3166 region, when the number tells it. */
      country: CountryCode | undefined
      callingCode: string
    }
  | { ok: false; message: string }

const MAINLAND = /^1[3-9]\d{9}$/
const E164 = /^\+[1-9]\d{6,14}$/

export const MOBILE_RULE =
  'an 11-digit mainland China mobile without + (13800138000) or an international number in E.164 with + and its country code (+447700900123)'

export function parseMobile(value: string): ParsedMobile {
  // The mainland pattern is the whole rule for those numbers: no metadata lookup on the hot path.
  if (MAINLAND.test(value))
    return { ok: true, international: false, e164: `+86${value}`, country: 'CN', callingCode: '86' }
  if (!E164.test(value)) {
    return {
      ok: false,
      message: value.startsWith('+')
        ? 'must be E.164: + then 7 to 15 digits, no spaces or dashes'
        : `must be ${MOBILE_RULE}`,
    }
  }
  return describe(value, !value.startsWith('+86'))
}

function describe(e164: string, international: boolean): ParsedMobile {
  const phone = parsePhoneNumberFromString(e164)
  if (!phone) return { ok: false, message: `country calling code of ${e164.slice(0, 4)}… does not exist` }
  if (!phone.isPossible()) {
    return {
      ok: false,
      message: `has the wrong length for country calling code +${phone.countryCallingCode}`,
    }
  }
  return {
    ok: true,
    international,
    e164: phone.number,
    country: phone.country,
    callingCode: phone.countryCallingCode,
  }
}

/** The number's type from libphonenumber's full metadata (`MOBILE`, `PREMIUM_RATE`, `VOIP`…), if known. */
export function numberType(e164: string): NumberType {
  return parsePhoneNumberFromString(e164)?.getType()
}
