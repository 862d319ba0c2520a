/** Fields whose values never appear in an error, whatever went wrong with them. */
const SECRET_FIELDS = new Set(['apikey', 'secret', 'code', 'captchaToken'])

/** Whether the field (or the last part of an option path, `webhook.secret`) holds a secret. */
export function isSecretField(field: PropertyKey): boolean {
  return typeof field === 'string' && SECRET_FIELDS.has(field.slice(field.lastIndexOf('.') + 1))
}

const MAX_RENDERED = 48

/** A short, safe rendering of a value for an error message. */
export function render(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') {
    const shown = value.length > MAX_RENDERED ? `${value.slice(0, MAX_RENDERED)}…` : value
    return `${JSON.stringify(shown)} (${value.length} characters)`
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value)
  if (Array.isArray(value)) return `an array of ${value.length}`
  return withArticle(typeof value)
}

function withArticle(type: string): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`
}

/** A secret's rendering: its type and length, never its characters. */
export function renderRedacted(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} characters (redacted)`
  return value === undefined || value === null ? render(value) : `${withArticle(typeof value)} (redacted)`
}
