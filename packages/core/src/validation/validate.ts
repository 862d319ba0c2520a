import type { z } from 'zod'
import {
  type OptionProblem,
  type ValidationIssue,
  YunpianOptionsError,
  YunpianValidationError,
} from '../errors.js'
import { isSecretField, render } from '../internal/render.js'

/** What an error may say a field held: nothing for secrets, a short rendering otherwise. */
export function receivedValue(field: PropertyKey, value: unknown): { received?: string } {
  return isSecretField(field) ? {} : { received: render(value) }
}

/**
 * Parses `input` with `schema`, or throws one `YunpianValidationError` that names every bad field,
 * what it got (secrets excepted) and what is allowed.
 */
export function validate<S extends z.ZodType>(operation: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  throw new YunpianValidationError(operation, toIssues(result.error.issues, input))
}

/**
 * Parses `owner`'s options with `schema`, or throws one `YunpianOptionsError` that names every bad option,
 * what it got (secrets redacted) and what is allowed.
 */
export function validateOptions<S extends z.ZodType>(owner: string, schema: S, input: unknown): z.output<S> {
  if (input === undefined || input === null) missingOptions(owner, schema, input)
  const result = schema.safeParse(input)
  if (result.success) return result.data
  throw new YunpianOptionsError(
    owner,
    result.error.issues.flatMap((issue): OptionProblem[] =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({
            option: fieldName([...issue.path, key]),
            allowed: 'is not a known option',
          }))
        : [{ option: fieldName(issue.path), allowed: issue.message, received: valueAt(input, issue.path) }],
    ),
  )
}

/** `new YunpianClient()`: name what is needed, not "expected object, received undefined". */
function missingOptions(owner: string, schema: z.ZodType, input: unknown): never {
  const shape = (schema as { shape?: Record<string, z.ZodType> }).shape ?? {}
  const required = Object.keys(shape).filter((key) => !shape[key]!.safeParse(undefined).success)
  const needs = `{ ${required.join(', ')} }`
  throw new YunpianOptionsError(
    owner,
    { option: '(options)', allowed: `needs ${needs}`, received: input },
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
    const secretField = issue.path.find(isSecretField)
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
