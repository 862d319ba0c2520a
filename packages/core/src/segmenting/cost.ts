import { YunpianValidationError } from '../errors.js'
import { parseMobile } from '../validation/mobile.js'
import { type SmsEncoding, segment } from './segment.js'

export interface CostEstimate {
  /** SMS parts on the air (GSM 03.38 / UCS-2 rules). */
  parts: number
  /** What Yunpian is expected to put in `count`, the number it bills. */
  billedCount: number
  /**
   * `yunpian-70-67`: Yunpian's documented rule (up to 70 characters is 1, else 1 per 67), which applies to
   * mainland numbers whatever the alphabet. `on-air`: for international numbers Yunpian documents no
   * rule, so the estimate is the on-air part count; trust the `count` Yunpian returns.
   */
  basis: 'yunpian-70-67' | 'on-air'
  encoding: SmsEncoding
  /** True when `basis` is `on-air`: Yunpian has not documented it. */
  estimate: boolean
}

/** Yunpian's documented billing: UTF-16 units (the 【signature】 included), 70 in one SMS, else 67 per SMS. */
export function yunpianBilledCount(text: string): number {
  return text.length <= 70 ? 1 : Math.ceil(text.length / 67)
}

/** What sending `text` to `mobile` costs in SMS, and on which basis, before you send it. */
export function estimateCost(text: string, mobile: string): CostEstimate {
  const parsed = parseMobile(mobile)
  if (!parsed.ok)
    throw new YunpianValidationError('estimateCost', [
      { field: 'mobile', message: parsed.message, received: JSON.stringify(mobile) },
    ])
  const { parts, encoding } = segment(text)
  if (!parsed.international) {
    return {
      parts: parts.length,
      billedCount: yunpianBilledCount(text),
      basis: 'yunpian-70-67',
      encoding,
      estimate: false,
    }
  }
  return { parts: parts.length, billedCount: parts.length, basis: 'on-air', encoding, estimate: true }
}
