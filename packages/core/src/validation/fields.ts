import { YunpianValidationError } from '../errors.js'
import { receivedValue } from './validate.js'

export interface StringFieldRule {
  required: boolean
  max: number
  pattern?: RegExp
  /** What is allowed, said when the field is wrong. */
  message: string
}

/**
 * String fields of a request, checked by hand: the OTP routes' hot path, where a schema library's pass costs
 * more than the check. Unknown fields are refused; every problem is reported in one
 * `YunpianValidationError`, as `validate` does.
 */
export function checkStringFields<K extends string>(
  operation: string,
  input: unknown,
  rules: Readonly<Record<K, StringFieldRule>>,
): Partial<Record<K, string>> {
  const record = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {}
  const out: Partial<Record<K, string>> = {}
  const issues: { field: string; message: string; received?: string }[] = []
  for (const field of Object.keys(rules) as K[]) {
    const rule = rules[field]
    const value = record[field]
    if (value === undefined && !rule.required) continue
    if (
      typeof value !== 'string' ||
      value.length === 0 ||
      value.length > rule.max ||
      (rule.pattern && !rule.pattern.test(value))
    ) {
      issues.push({ field, message: rule.message, ...receivedValue(field, value) })
    } else out[field] = value
  }
  for (const field of Object.keys(record)) {
    if (!(field in rules) && record[field] !== undefined)
      issues.push({ field, message: 'is not a known field' })
  }
  if (issues.length > 0) throw new YunpianValidationError(operation, issues)
  return out
}
