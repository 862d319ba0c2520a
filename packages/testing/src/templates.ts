import { decodePiece, fail } from './failure.js'
import type { FakeMobile } from './mobile.js'
import type { FakeTemplate } from './types.js'

/** Yunpian's review states, as `tpl/get` writes them in `check_status`. */
export type TemplateStatus = 'CHECKING' | 'SUCCESS' | 'FAIL'

export interface StoredTemplate {
  id: number
  text: string
  countries: string[] | undefined
  status: TemplateStatus
  reason: string | null
  lang: string | null
  /** The text with each `#name#` as a wildcard: how free text is matched to an approved template. */
  pattern: RegExp
}

/**
 * The account's templates. Those given in the options are approved; `tpl/add` and `tpl/update` put a
 * template under review (`CHECKING`), as Yunpian does, until the test calls `reviewTemplate`.
 */
export class Templates {
  readonly #byId = new Map<number, StoredTemplate>()
  /** Free text must match an approved template only when templates were configured at start. */
  readonly enforced: boolean
  #nextId = 1

  constructor(initial: readonly FakeTemplate[]) {
    this.enforced = initial.length > 0
    for (const [i, t] of initial.entries()) {
      this.#put({ id: t.id ?? i + 1, text: t.text, countries: t.countries, status: 'SUCCESS', lang: null })
    }
  }

  all(): StoredTemplate[] {
    return [...this.#byId.values()]
  }

  get(id: number): StoredTemplate | undefined {
    return this.#byId.get(id)
  }

  add(text: string, lang: string | null): StoredTemplate {
    return this.#put({ id: this.#nextId, text, countries: undefined, status: 'CHECKING', lang })
  }

  update(id: number, text: string, lang: string | null): StoredTemplate {
    const old = this.#byId.get(id)!
    return this.#put({ id, text, countries: old.countries, status: 'CHECKING', lang: lang ?? old.lang })
  }

  delete(id: number): StoredTemplate | undefined {
    const t = this.#byId.get(id)
    this.#byId.delete(id)
    return t
  }

  review(id: number, status: TemplateStatus, reason: string | null): void {
    const t = this.#byId.get(id)
    if (!t) throw new RangeError(`no template ${id} in the fake`)
    t.status = status
    t.reason = reason
  }

  /** Code 5 when free text matches no approved template, 23 when the number is outside its countries. */
  checkText(text: string, mobile: FakeMobile): void {
    if (!this.enforced) return
    const template = this.all().find((t) => t.status === 'SUCCESS' && t.pattern.test(text))
    if (!template) fail(5, '未找到匹配的模板', '未找到匹配的模板')
    checkCountry(template, mobile)
  }

  /** `tpl_id` of a `tpl_*_send`: code 5 when unknown, 7 while not approved. */
  approved(rawId: string): StoredTemplate {
    const template = /^\d+$/.test(rawId) ? this.#byId.get(Number(rawId)) : undefined
    if (!template) fail(5, '未找到匹配的模板', `模板 ${rawId} 不存在`)
    if (template.status !== 'SUCCESS') fail(7, '模板不可用', `模板 ${rawId} 尚未审核通过`)
    return template
  }

  #put(t: Omit<StoredTemplate, 'pattern' | 'reason'>): StoredTemplate {
    const stored: StoredTemplate = { ...t, reason: null, pattern: wildcard(t.text) }
    this.#byId.set(t.id, stored)
    this.#nextId = Math.max(this.#nextId, t.id + 1)
    return stored
  }
}

export function checkCountry(template: StoredTemplate, mobile: FakeMobile): void {
  if (mobile.international && template.countries && !template.countries.includes(mobile.country ?? '')) {
    fail(23, '号码归属地不在模板可发送的地区内', `模板不支持发送到 ${mobile.country ?? '该地区'}`)
  }
}

/** The template's text with its `#variables#` filled from `tpl_value`; code 58 when one is missing. */
export function fillTemplate(template: StoredTemplate, tplValue: string): string {
  const values = readTplValue(tplValue)
  return template.text.replace(/#[^#]+#/g, (name) => {
    const value = values.get(name)
    if (value === undefined) fail(58, '模板变量格式错误', `缺少模板变量 ${name}`)
    return value
  })
}

/**
 * `tpl_value` after the form layer: `#name#=value` pairs joined with `&`, each side url-encoded. A `+` is
 * a space (the official demos encode with Java's URLEncoder / Python's urlencode, which write spaces so),
 * and a pair splits at its first `=` only, so a value with an unencoded `=` stays whole.
 */
export function readTplValue(tplValue: string): Map<string, string> {
  const values = new Map<string, string>()
  for (const pair of tplValue.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const name = eq === -1 ? pair : pair.slice(0, eq)
    const value = eq === -1 ? '' : pair.slice(eq + 1)
    values.set(decodePiece(name, 'tpl_value'), decodePiece(value, 'tpl_value'))
  }
  return values
}

function wildcard(text: string): RegExp {
  return new RegExp(
    `^${text
      .split(/#[^#]+#/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[\\s\\S]+?')}$`,
  )
}
