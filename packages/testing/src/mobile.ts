import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js'

export interface FakeMobile {
  /** As Yunpian writes it in answers and reports: mainland numbers without +86, others in E.164. */
  normalized: string
  international: boolean
  country: CountryCode | undefined
}

/** Yunpian's reading of a `mobile` field: mainland 11 digits, or `+` and a real calling code. */
export function readMobile(raw: string): FakeMobile | undefined {
  const value = raw.trim()
  if (/^1[3-9]\d{9}$/.test(value)) return { normalized: value, international: false, country: 'CN' }
  if (/^\+861[3-9]\d{9}$/.test(value))
    return { normalized: value.slice(3), international: false, country: 'CN' }
  if (!/^\+[1-9]\d{6,14}$/.test(value)) return undefined
  const phone = parsePhoneNumberFromString(value)
  if (!phone?.isPossible()) return undefined
  return { normalized: phone.number, international: true, country: phone.country }
}

/** Yunpian's billing: up to 70 characters is one SMS, longer texts one per 67 (UTF-16 units). */
export function billedCount(text: string): number {
  return text.length <= 70 ? 1 : Math.ceil(text.length / 67)
}
