/**
 * Yunpian's `code` field, grouped by what a caller can do about it (docs/contract.md lists them). Codes that are not in
 * the table keep their raw value and are reported as `unknown`: never swallowed.
 */
export type YunpianErrorKind =
  | 'invalid_request'
  | 'auth'
  | 'account'
  | 'content'
  | 'recipient'
  | 'rate_limited'
  | 'server'
  | 'unknown'

const KIND_BY_CODE: ReadonlyMap<number, YunpianErrorKind> = new Map<number, YunpianErrorKind>([
  [1, 'invalid_request'],
  [2, 'invalid_request'],
  [3, 'account'],
  [4, 'content'],
  [52, 'content'],
  [5, 'content'],
  [7, 'content'],
  [60, 'content'],
  [8, 'rate_limited'],
  [9, 'rate_limited'],
  [10, 'recipient'],
  [15, 'content'],
  [16, 'content'],
  [18, 'content'],
  [17, 'rate_limited'],
  [43, 'rate_limited'],
  [20, 'recipient'],
  [22, 'rate_limited'],
  [23, 'recipient'],
  [25, 'invalid_request'],
  [33, 'rate_limited'],
  [48, 'invalid_request'],
  [53, 'rate_limited'],
  [56, 'invalid_request'],
  [58, 'invalid_request'],
  [-1, 'auth'],
  [-2, 'auth'],
  [-3, 'auth'],
  [-4, 'rate_limited'],
  [-5, 'rate_limited'],
  [-6, 'invalid_request'],
  [-11, 'account'],
  [-50, 'server'],
  [-51, 'server'],
  [-53, 'server'],
  [-57, 'content'],
  // Codes that yunpian-java-sdk's Code table names and the endpoints beyond sending answer.
  [6, 'content'], // ADD_TPL_FAILED
  [11, 'invalid_request'], // GET_METHOD_NOT_SUPPORT
  [12, 'invalid_request'], // POST_METHOD_NOT_SUPPORT
  [14, 'invalid_request'], // DECODE_ERROR
  [-54, 'invalid_request'], // RECORD_ALREADY_EXISTED
  [-55, 'invalid_request'], // RECORD_NOT_EXISTED
])

export function kindOfCode(code: number): YunpianErrorKind {
  return KIND_BY_CODE.get(code) ?? (code <= -50 ? 'server' : 'unknown')
}

/** −51 "system busy": the one API answer that says nothing was done and a retry may succeed. */
export const SYSTEM_BUSY = -51

/**
 * Refusals that mean "not now" rather than "never": Yunpian's own trouble (−50 unknown error, −51 system
 * busy, −53 submitting failed, and other codes of −50 and below that are not content errors) and the
 * account's API call limits (−4, −5). Nothing was sent; a later try may succeed.
 */
export function isTemporaryCode(code: number): boolean {
  return kindOfCode(code) === 'server' || code === -4 || code === -5
}

/**
 * Yunpian's per-recipient limit codes, with the rule that fired and the shortest wait that can clear it.
 * 53's window is not published; a minute is a cautious guess, documented as such.
 */
export const RECIPIENT_LIMIT_CODES: ReadonlyMap<number, { rule: string; retryAfterMs: number }> = new Map([
  [8, { rule: 'yunpian-same-content-30s', retryAfterMs: 30_000 }],
  [9, { rule: 'yunpian-same-content-5min', retryAfterMs: 5 * 60_000 }],
  [33, { rule: 'yunpian-code-30s', retryAfterMs: 30_000 }],
  [22, { rule: 'yunpian-code-1h', retryAfterMs: 60 * 60_000 }],
  [17, { rule: 'yunpian-number-24h', retryAfterMs: 24 * 60 * 60_000 }],
  [43, { rule: 'yunpian-number-24h', retryAfterMs: 24 * 60 * 60_000 }],
  [53, { rule: 'yunpian-number-frequency', retryAfterMs: 60_000 }],
])
