/** Yunpian writes times as `yyyy-MM-dd HH:mm:ss` in China time (UTC+8, no daylight saving). */
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000
const CHINA_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/

export function formatChinaTime(date: Date): string {
  return new Date(date.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ')
}

/** The instant, or `undefined` when the string is not a real `yyyy-MM-dd HH:mm:ss` time. */
export function parseChinaTime(value: string): Date | undefined {
  const m = CHINA_TIME.exec(value)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number]
  const utc = Date.UTC(y, mo - 1, d, h, mi, s)
  const check = new Date(utc)
  // Reject rollovers such as 2024-02-30 or 25:00:00.
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || check.getUTCHours() !== h)
    return undefined
  if (mi > 59 || s > 59) return undefined
  return new Date(utc - CHINA_OFFSET_MS)
}
