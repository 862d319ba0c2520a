/** JSON with 64-bit integers written as bare digits, as Yunpian writes `sid`. */
export function stringifyWithBigInts(value: unknown): string {
  let hasBig = false
  const text = JSON.stringify(value, (_key, v) => {
    if (typeof v !== 'bigint') return v
    hasBig = true
    return `\u0000big:${v}`
  })
  return hasBig ? text.replace(/"\\u0000big:(-?\d+)"/g, '$1') : text
}
