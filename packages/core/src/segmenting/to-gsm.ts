import { gsmSeptets } from './gsm.js'

/**
 * Look-alikes that cost a message its GSM encoding, with the GSM characters people mean by them.
 * Only replacements that keep the meaning: no transliteration of letters beyond what reads the same.
 */
const REPLACEMENTS: Readonly<Record<string, string>> = {
  '\u2018': "'", // ‘
  '\u2019': "'", // ’
  '\u201A': "'", // ‚
  '\u201B': "'", // ‛
  '\u2032': "'", // ′
  '\u00B4': "'", // ´
  '`': "'",
  '\u201C': '"', // “
  '\u201D': '"', // ”
  '\u201E': '"', // „
  '\u2033': '"', // ″
  '\u00AB': '"', // «
  '\u00BB': '"', // »
  '\u2010': '-', // ‐
  '\u2011': '-', // non-breaking hyphen
  '\u2012': '-', // ‒
  '\u2013': '-', // –
  '\u2014': '-', // —
  '\u2015': '-', // ―
  '\u2212': '-', // minus
  '\u2026': '...', // …
  '\u00A0': ' ', // no-break space
  '\u2002': ' ',
  '\u2003': ' ',
  '\u2009': ' ', // thin space
  '\u202F': ' ', // narrow no-break space
  '\u200B': '', // zero-width space
  '\uFEFF': '', // byte order mark
  '\t': ' ',
  '\u2022': '*', // •
  '\u00B7': '.', // ·
  '\u02C6': '^',
  '\u02DC': '~',
  '\u00E7': 'Ç', // GSM has only the capital; handsets show it for both
  '\u3010': '[', // 【
  '\u3011': ']', // 】
  '\uFF0C': ',', // full-width comma
  '\uFF1A': ':',
  '\uFF01': '!',
  '\uFF1F': '?',
}

/**
 * Replaces typographic look-alikes (curly quotes, dashes, ellipsis, NBSP, full-width punctuation…)
 * with their GSM equivalents. Characters with no GSM equivalent are left as they are, so the result may
 * still be UCS-2: check `segment(result).encoding`.
 */
export function toGsm(text: string): string {
  let out = ''
  for (const ch of text) {
    if (ch.length === 1 && gsmSeptets(ch.charCodeAt(0)) > 0) out += ch
    else out += REPLACEMENTS[ch] ?? ch
  }
  return out
}
