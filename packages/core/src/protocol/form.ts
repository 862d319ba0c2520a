/**
 * Form bodies as Yunpian reads them (`application/x-www-form-urlencoded;charset=utf-8`).
 * `encodeURIComponent` output is valid form encoding, and faster than URLSearchParams.
 */
export function encodeForm(fields: Readonly<Record<string, string | undefined>>): string {
  let body = ''
  for (const key in fields) {
    const value = fields[key]
    if (value === undefined) continue
    body += `${body === '' ? '' : '&'}${key}=${encodeURIComponent(value)}`
  }
  return body
}

/**
 * `tpl_value`: each `#name#` and value url-encoded, pairs joined with `&`; the result is then
 * form-encoded again as one field by `encodeForm`.
 */
export function encodeTplValue(values: Readonly<Record<string, string>>): string {
  return Object.entries(values)
    .map(([name, value]) => `${encodeURIComponent(templateVariable(name))}=${encodeURIComponent(value)}`)
    .join('&')
}

/** Accepts `code` or `#code#`; Yunpian wants `#code#`. */
export function templateVariable(name: string): string {
  return name.startsWith('#') && name.endsWith('#') && name.length > 2 ? name : `#${name}#`
}

/** `multi_send`'s `text`: each text url-encoded, then comma-joined (then form-encoded again). */
export function encodeMultiText(texts: readonly string[]): string {
  return texts.map((t) => encodeURIComponent(t)).join(',')
}
