import { createHash, timingSafeEqual } from 'node:crypto'
import type { z } from 'zod'
import { YunpianReportError } from '../errors.js'
import { formField } from '../protocol/form.js'
import { parseJsonWithExactSids } from '../protocol/json.js'
import { type ReplyRecord, replyRecordSchema, type StatusReport, toStatusReport } from './records.js'

/** A raw form body (string or Buffer), or one a framework already parsed into an object. */
export type PushBody = string | Uint8Array | Readonly<Record<string, unknown>>

/** Yunpian pushes at most 100 records; a little room, and a hard stop for hostile bodies. */
const MAX_RECORDS = 1_000

/** The field's value from whichever body shape arrived. */
export function pushField(body: PushBody, field: 'sms_status' | 'sms_reply'): unknown {
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8')
    const value = formField(text, field)
    if (value === null) throw new YunpianReportError(`The push has no ${field} field`)
    return value
  }
  if (body === null || typeof body !== 'object' || !(field in body)) {
    throw new YunpianReportError(`The push has no ${field} field`)
  }
  return body[field]
}

/**
 * The JSON inside the field. Some stacks hand it over still percent-encoded once more: if it does not
 * parse, it is decoded once and tried again.
 */
function decodeJson(value: unknown, field: string): unknown {
  if (typeof value !== 'string') return value
  try {
    return parseJsonWithExactSids(value)
  } catch {
    let decoded: string
    try {
      decoded = decodeURIComponent(value.replace(/\+/g, ' '))
    } catch {
      throw new YunpianReportError(`${field} is neither JSON nor percent-encoded JSON`)
    }
    try {
      return parseJsonWithExactSids(decoded)
    } catch {
      throw new YunpianReportError(`${field} is neither JSON nor percent-encoded JSON`)
    }
  }
}

function describeIssue(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0]
  if (!issue) return prefix
  const path = issue.path.join('.')
  return `${prefix}${path ? ` ${path}` : ''}: ${issue.message}`
}

/** Delivery reports from a status push (`sms_status`): all of them, typed, or a `YunpianReportError`. */
export function parseStatusPush(body: PushBody): StatusReport[] {
  const value = decodeJson(pushField(body, 'sms_status'), 'sms_status')
  if (!Array.isArray(value)) throw new YunpianReportError('sms_status must be a JSON array of reports')
  if (value.length === 0) throw new YunpianReportError('sms_status holds no report')
  if (value.length > MAX_RECORDS)
    throw new YunpianReportError(`sms_status holds more than ${MAX_RECORDS} reports`)
  return value.map((record, i) => {
    const report = toStatusReport(record)
    if (typeof report === 'string') throw new YunpianReportError(`sms_status[${i}] ${report}`)
    return report
  })
}

/**
 * The reply of a reply push (`sms_reply`), after checking its `_sign`: MD5 of the other fields' values
 * ordered by key, joined with `,`, then `,apikey`; compared in constant time.
 */
export function parseReplyPush(body: PushBody, options: { apikey: string }): ReplyRecord {
  const value = decodeJson(pushField(body, 'sms_reply'), 'sms_reply')
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new YunpianReportError('sms_reply must be a JSON object')
  }
  const record = value as Record<string, unknown>
  const sign = record._sign
  if (typeof sign !== 'string' || !/^[0-9a-f]{32}$/i.test(sign)) {
    throw new YunpianReportError('sms_reply has no valid _sign')
  }
  const expected = createHash('md5').update(signedText(record, options.apikey), 'utf8').digest()
  if (!timingSafeEqual(expected, Buffer.from(sign, 'hex'))) {
    throw new YunpianReportError(
      'sms_reply _sign does not match: not from Yunpian, or signed with another apikey',
    )
  }
  const parsed = replyRecordSchema.safeParse(record)
  if (!parsed.success) throw new YunpianReportError(describeIssue(parsed.error, 'sms_reply'))
  return parsed.data
}

/** The string Yunpian signs; null values join as empty, as its PHP SDK's `implode` does. */
function signedText(record: Readonly<Record<string, unknown>>, apikey: string): string {
  const values = Object.keys(record)
    .filter((key) => key !== '_sign')
    .sort()
    .map((key) => {
      const v = record[key]
      return v === null || v === undefined ? '' : String(v)
    })
  return `${values.join(',')},${apikey}`
}
