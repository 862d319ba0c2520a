import { type CountryCode, type NumberType, parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { parsePhoneNumberFromString as parseMobileOnly } from 'libphonenumber-js/mobile'
import { Recent } from '../internal/recent.js'

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

/** `type` is there when a caller asked for it; `mobile` when `parseMobileNumber` parsed it. */
const recent = new Recent<ParsedMobile & { type?: NumberType; mobile?: boolean }>(256)

export const MOBILE_RULE =
  'an 11-digit mainland China mobile without + (13800138000) or an international number in E.164 with + and its country code (+447700900123)'

/**
 * With `{ type: true }`, also the number's type from libphonenumber's full metadata, from the same parse
 * (the type check is the costly part; the client's hot path does not ask for it).
 */
export function parseMobile(value: string): ParsedMobile
export function parseMobile(value: string, options: { type: true }): ParsedMobile & { type?: NumberType }
export function parseMobile(value: string, options?: { type: true }): ParsedMobile & { type?: NumberType } {
  // The mainland pattern is the whole rule for those numbers: no metadata lookup on the hot path. The
  // pattern also admits blocks no operator holds (140…, 154…), so a caller asking for the type gets it
  // from the metadata (undefined for those), as for the same number with +86.
  if (MAINLAND.test(value)) {
    const mainland = {
      ok: true,
      international: false,
      e164: `+86${value}`,
      country: 'CN',
      callingCode: '86',
    } as const
    return options?.type ? { ...mainland, type: numberType(mainland.e164) } : mainland
  }
  if (!E164.test(value)) {
    return {
      ok: false,
      message: value.startsWith('+')
        ? 'must be E.164: + then 7 to 15 digits, no spaces or dashes'
        : `must be ${MOBILE_RULE}`,
    }
  }
  const cached = recent.get(value)
  if (cached && (cached.type !== undefined || !options?.type)) return cached
  const parsed = describe(value, !value.startsWith('+86'), options?.type === true)
  // A number is often parsed twice in one request (the OTP service, then the client): remember a few.
  recent.set(value, parsed)
  return parsed
}

function describe(
  e164: string,
  international: boolean,
  withType: boolean,
): ParsedMobile & { type?: NumberType } {
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
    ...(withType ? { type: phone.getType() } : {}),
  }
}

/** The number's type from libphonenumber's full metadata (`MOBILE`, `PREMIUM_RATE`, `VOIP`…), if known. */
export function numberType(e164: string): NumberType {
  return parsePhoneNumberFromString(e164)?.getType()
}

/**
 * `parseMobile` and whether the number is a mobile number (libphonenumber's MOBILE or FIXED_LINE_OR_MOBILE)
 * in one parse against the mobile-only metadata, for the OTP service's default policy. A number that is not
 * a mobile number is parsed again by `parseMobile`, for its country and its error.
 */
export function parseMobileNumber(value: string): ParsedMobile & { mobile?: boolean } {
  const cached = recent.get(value)
  if (cached?.mobile !== undefined) return cached
  // A mainland number is checked against the metadata as with +86: the pattern admits unheld blocks.
  const e164 = MAINLAND.test(value) ? `+86${value}` : value
  const phone = E164.test(e164) ? parseMobileOnly(e164) : undefined
  if (!phone?.isValid()) {
    const parsed = parseMobile(value)
    return parsed.ok ? { ...parsed, mobile: false } : parsed
  }
  const parsed = {
    ok: true,
    international: !e164.startsWith('+86'),
    e164: phone.number,
    country: phone.country,
    callingCode: phone.countryCallingCode,
    mobile: true,
  } as const
  recent.set(value, parsed)
  return parsed
}
