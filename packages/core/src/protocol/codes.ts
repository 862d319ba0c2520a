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

/** Yunpian's codes in English, for messages beside Yunpian's own (Chinese) `msg` and `detail`. */
const ENGLISH_BY_CODE: ReadonlyMap<number, string> = new Map([
  [1, 'a required parameter is missing'],
  [
    2,
    'a parameter is malformed (mobile number, or a template variable that is not 1 to 16 letters or digits)',
  ],
  [3, 'the account balance is too low'],
  [4, 'the text contains a blocked keyword'],
  [5, 'no approved template matches the text'],
  [6, 'adding the template failed'],
  [7, 'the template is unavailable'],
  [8, 'the same text went to this number within 30 s'],
  [9, 'the same text went to this number 3 times in 5 minutes'],
  [10, 'the number is on the blacklist'],
  [11, 'this API does not accept GET'],
  [12, 'this API does not accept POST'],
  [14, 'a parameter could not be decoded'],
  [15, 'the signature does not match'],
  [16, 'the signature is malformed'],
  [17, 'too many SMS to this number in 24 h'],
  [18, 'the signature check failed'],
  [20, 'this country or region is not supported'],
  [22, 'more than 3 verification codes to this number in 1 h'],
  [23, "the number's country is outside the template's countries"],
  [25, 'the counts of mobiles and texts differ'],
  [33, 'too frequent: one verification code per number per template every 30 s'],
  [43, 'too many SMS to this number in 24 h'],
  [48, 'a parameter is too long'],
  [52, 'the text contains a blocked keyword'],
  [53, 'the number received too many messages (text, voice, rich SMS)'],
  [56, 'the mobile number format is wrong'],
  [58, 'a template variable format is wrong'],
  [60, 'the template has expired'],
  [-1, 'the apikey is not valid'],
  [-2, 'this API is not permitted for the apikey'],
  [-3, "the calling IP address is not on the apikey's whitelist"],
  [-4, 'the account made too many calls'],
  [-5, 'the account calls too often'],
  [-6, 'batch sending is not supported'],
  [-11, 'the feature is not enabled for the account'],
  [-50, 'unknown error on Yunpian’s side'],
  [-51, 'Yunpian is busy (nothing was done)'],
  [-53, 'submitting the SMS failed on Yunpian’s side'],
  [-54, 'the record already exists'],
  [-55, 'the record does not exist'],
  [-57, 'a fixed signature is on but none is set'],
])

/** What a code means, in English; `undefined` for codes this table does not know. */
export function explainCode(code: number): string | undefined {
  return ENGLISH_BY_CODE.get(code)
}

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
