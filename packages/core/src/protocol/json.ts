/**
 * Yunpian's `sid` (and `tpl_id`, documented as 64-bit too) is a 64-bit integer; `JSON.parse` would round
 * it above 2^53. Before parsing, every integer value of a `"sid"` or `"tpl_id"` key (outside string
 * literals) is wrapped in quotes, so it arrives as the exact decimal string. Everything else parses as usual.
 */
export function parseJsonWithExactSids(text: string): unknown {
  return JSON.parse(text.includes('"sid"') || text.includes('"tpl_id"') ? quoteSidIntegers(text) : text)
}

const QUOTE = 34
const BACKSLASH = 92

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

export function quoteSidIntegers(text: string): string {
  let out = ''
  let copiedUpTo = 0
  let i = 0
  while (i < text.length) {
    if (text.charCodeAt(i) !== QUOTE) {
      i++
      continue
    }
    const opening = i
    // Skip the whole string literal.
    let end = i + 1
    while (end < text.length) {
      const c = text.charCodeAt(end)
      if (c === BACKSLASH) end += 2
      else if (c === QUOTE) break
      else end++
    }
    i = end + 1
    const isSidKey =
      (end === opening + 4 && text.startsWith('"sid"', opening)) ||
      (end === opening + 7 && text.startsWith('"tpl_id"', opening))
    if (!isSidKey) continue
    let j = i
    while (j < text.length && isSpace(text.charCodeAt(j))) j++
    if (text.charCodeAt(j) !== 58 /* : */) continue
    j++
    while (j < text.length && isSpace(text.charCodeAt(j))) j++
    const start = j
    if (text.charCodeAt(j) === 45 /* - */) j++
    const digitsStart = j
    while (j < text.length && isDigit(text.charCodeAt(j))) j++
    const next = text.charCodeAt(j)
    if (j === digitsStart || next === 46 /* . */ || next === 101 || next === 69 /* e E */) continue
    out += `${text.slice(copiedUpTo, start)}"${text.slice(start, j)}"`
    copiedUpTo = j
    i = j
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo)
}
