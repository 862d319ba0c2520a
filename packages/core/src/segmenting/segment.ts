import { YunpianValidationError } from '../errors.js'
import { textProblem } from '../validation/requests.js'
import { GSM_PART, GSM_SINGLE, gsmSeptets, UCS2_PART, UCS2_SINGLE } from './gsm.js'
import { toGsm } from './to-gsm.js'

export type SmsEncoding = 'gsm7' | 'ucs2'

export interface Segmentation {
  /** The text that was segmented (after `normalize`, when asked). */
  text: string
  encoding: SmsEncoding
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text. */
  units: number
  /** The message as it goes on the air: one string per SMS part. */
  parts: string[]
  /** Capacity of each part in `units`: 160 or 153 (GSM-7), 70 or 67 (UCS-2). */
  perPart: number
  /** The distinct characters that forced UCS-2, in order of appearance (empty for GSM-7). */
  nonGsm: string[]
}

export interface SegmentOptions {
  /**
   * Apply NFC and `toGsm` (curly quotes, dashes, NBSP…) before segmenting.
   * @default false
   */
  normalize?: boolean
}

/**
 * Characters that may join a grapheme cluster with a neighbour (marks, joiners, variation selectors,
 * emoji modifiers and tags, regional indicators, Hangul jamo, prepended concatenation marks). A text
 * without any of them has one cluster per code point, and is split without Intl.Segmenter.
 */
const MAY_JOIN =
  /\u200D|[\p{Grapheme_Extend}\p{Mc}\p{Regional_Indicator}\p{Emoji_Modifier}\u0600-\u0605\u06DD\u070F\u0890\u0891\u08E2\u{110BD}\u{110CD}\u1100-\u11FF\uA960-\uA97F\uD7B0-\uD7FF\u0D4E\u{111C2}\u{111C3}\u{1193F}\u{11941}\u{11A3A}\u{11A84}-\u{11A89}\u{11D46}]/u

let graphemes: Intl.Segmenter | undefined

/**
 * How `text` goes on the air: GSM 03.38 (7-bit) when every character is in its tables, else UCS-2; one
 * part up to 160 septets / 70 units, else parts of 153 / 67. A part never ends inside an escape pair, a
 * surrogate pair or a grapheme cluster (CR LF excepted: handsets join parts before showing them), so
 * the count can exceed `ceil(units / perPart)`.
 */
export function segment(text: string, options: SegmentOptions = {}): Segmentation {
  const problem = typeof text === 'string' ? textProblem(text) : 'must be a string'
  if (problem) {
    throw new YunpianValidationError('segment', [
      {
        field: 'text',
        message: problem,
        received: typeof text === 'string' ? `${text.length} characters` : typeof text,
      },
    ])
  }
  const input = options.normalize ? toGsm(text.normalize('NFC')) : text

  let septets = 0
  for (let i = 0; i < input.length; i++) {
    const s = gsmSeptets(input.charCodeAt(i))
    if (s === 0) return ucs2(input)
    septets += s
  }
  if (septets <= GSM_SINGLE)
    return { text: input, encoding: 'gsm7', units: septets, parts: [input], perPart: GSM_SINGLE, nonGsm: [] }

  const parts: string[] = []
  let start = 0
  let used = 0
  for (let i = 0; i < input.length; i++) {
    const s = gsmSeptets(input.charCodeAt(i))
    if (used + s > GSM_PART) {
      parts.push(input.slice(start, i))
      start = i
      used = 0
    }
    used += s
  }
  parts.push(input.slice(start))
  return { text: input, encoding: 'gsm7', units: septets, parts, perPart: GSM_PART, nonGsm: [] }
}

function ucs2(text: string): Segmentation {
  const nonGsm = distinctNonGsm(text)
  if (text.length <= UCS2_SINGLE) {
    return { text, encoding: 'ucs2', units: text.length, parts: [text], perPart: UCS2_SINGLE, nonGsm }
  }
  const pieces = MAY_JOIN.test(text) ? clusters(text) : codePoints(text)
  const parts: string[] = []
  let current = ''
  for (const piece of pieces) {
    if (current.length + piece.length > UCS2_PART && current !== '') {
      parts.push(current)
      current = ''
    }
    if (piece.length > UCS2_PART) {
      // A cluster longer than a whole part (a pathological stack of marks): cut it between code points.
      for (const cp of codePoints(piece)) {
        if (current.length + cp.length > UCS2_PART) {
          parts.push(current)
          current = ''
        }
        current += cp
      }
    } else current += piece
  }
  parts.push(current)
  return { text, encoding: 'ucs2', units: text.length, parts, perPart: UCS2_PART, nonGsm }
}

function* codePoints(text: string): Generator<string> {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      yield text.slice(i, i + 2)
      i++
    } else yield text[i]!
  }
}

function* clusters(text: string): Generator<string> {
  graphemes ??= new Intl.Segmenter('und', { granularity: 'grapheme' })
  for (const { segment: cluster } of graphemes.segment(text)) {
    // CR LF is one cluster, but two characters that may sit in different parts.
    if (cluster === '\r\n') {
      yield '\r'
      yield '\n'
    } else yield cluster
  }
}

function distinctNonGsm(text: string): string[] {
  const seen = new Set<string>()
  for (const cp of codePoints(text)) {
    if (cp.length === 2 || gsmSeptets(cp.charCodeAt(0)) === 0) seen.add(cp)
  }
  return [...seen]
}
