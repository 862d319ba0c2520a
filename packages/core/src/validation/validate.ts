import type { z } from 'zod'
import { type ValidationIssue, YunpianValidationError } from '../errors.js'

/** Fields whose values never appear in an error, whatever went wrong with them. */
const SECRET_FIELDS = new Set(['apikey', 'secret', 'code', 'captchaToken'])

/** What an error may say a field held: nothing for secrets, a short rendering otherwise. */
export function receivedValue(field: PropertyKey, value: unknown): { received?: string } {
  return typeof field === 'string' && SECRET_FIELDS.has(field) ? {} : { received: render(value) }
}

/**
 * Parses `input` with `schema`, or throws one `YunpianValidationError` that names every bad field,
 * what it got (secrets excepted) and what is allowed.
 */
export function validate<S extends z.ZodType>(operation: string, schema: S, input: unknown): z.output<S> {
  if ((input === undefined || input === null) && operation.endsWith(' options'))
    missingOptions(operation, schema, input)
  const result = schema.safeParse(input)
  if (result.success) return result.data
  throw new YunpianValidationError(operation, toIssues(result.error.issues, input))
}

/** `new YunpianClient()`: name what is needed, not "expected object, received undefined". */
function missingOptions(operation: string, schema: z.ZodType, input: unknown): never {
  const owner = operation.slice(0, -' options'.length)
  const shape = (schema as { shape?: Record<string, z.ZodType> }).shape ?? {}
  const required = Object.keys(shape).filter((key) => !shape[key]!.safeParse(undefined).success)
  const needs = `{ ${required.join(', ')} }`
  throw new YunpianValidationError(
    operation,
    [{ field: '(options)', message: `needs ${needs}`, received: String(input) }],
    `${owner} needs ${needs}, got ${String(input)}`,
  )
}

export function toIssues(zodIssues: readonly z.core.$ZodIssue[], input: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  for (const issue of zodIssues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ field: fieldName([...issue.path, key]), message: 'is not a known field' })
      }
      continue
    }
    const field = fieldName(issue.path)
    const secretField = issue.path.find((p) => typeof p === 'string' && SECRET_FIELDS.has(p))
    issues.push({
      field,
      message: issue.message,
      ...receivedValue(secretField ?? field, valueAt(input, issue.path)),
    })
  }
  return issues
}

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(request)'
  return path.reduce<string>((name, part) => {
    if (typeof part === 'number') return `${name}[${part}]`
    return name === '' ? String(part) : `${name}.${String(part)}`
  }, '')
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<PropertyKey, unknown>)[part]
  }
  return value
}

const MAX_RENDERED = 48

function render(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') {
    const shown = value.length > MAX_RENDERED ? `${value.slice(0, MAX_RENDERED)}…` : value
    return `${JSON.stringify(shown)} (${value.length} characters)`
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value)
  if (Array.isArray(value)) return `an array of ${value.length}`
  return `a ${typeof value}`
}
