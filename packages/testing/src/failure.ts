/** An answer in Yunpian's error envelope: HTTP 400, `{ http_status_code, code, msg, detail }`. */
export class ApiFailure {
  constructor(
    readonly code: number,
    readonly msg: string | null,
    readonly detail: string,
  ) {}
}

export function fail(code: number, msg: string | null, detail = msg ?? ''): never {
  throw new ApiFailure(code, msg, detail)
}

/**
 * A parameter the endpoint cannot do without: absent or empty answers code 1 with its own message
 * (yunpian-java-sdk Code.ARGUMENT_MISSING, 请求参数缺失), not code 2's 请求参数格式错误.
 */
export function required(fields: URLSearchParams, name: string): string {
  const value = fields.get(name)
  if (value === null || value === '') fail(1, '请求参数缺失', `参数 ${name} 必须传入`)
  return value
}

/** An optional whole number within bounds, or `fallback` when absent; code 2 otherwise. */
export function integerField(
  fields: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = fields.get(name)
  if (raw === null || raw === '') return fallback
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || n < min || n > max)
    fail(2, '请求参数格式错误', `${name} 必须是${min}到${max}的整数`)
  return n
}

/** `true`/`false` as the SDKs write booleans, or `fallback` when absent; code 2 otherwise. */
export function booleanField(fields: URLSearchParams, name: string, fallback: boolean): boolean {
  const raw = fields.get(name)
  if (raw === null || raw === '') return fallback
  if (raw !== 'true' && raw !== 'false') fail(2, '请求参数格式错误', `${name} 只能是 true 或 false`)
  return raw === 'true'
}

/** One url-encoded piece inside a field (`tpl_value`, `multi_send` texts): `+` is a space, as in forms. */
export function decodePiece(piece: string, field: string): string {
  try {
    return decodeURIComponent(piece.replace(/\+/g, ' '))
  } catch {
    // A malformed escape (`%zz`) answers Yunpian's envelope rather than crashing the fake; the code is
    // yunpian-java-sdk's Code.DECODE_ERROR (14, 解码失败). The docs do not say what Yunpian answers.
    fail(14, '解码失败', `参数 ${field} 含有无法解码的 % 转义`)
  }
}
