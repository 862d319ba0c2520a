import { fail, integerField, required } from '../failure.js'
import type { EndpointGroup, FakeState } from '../state.js'
import type { StoredTemplate } from '../templates.js'

const LANGS = ['zh_cn', 'en', 'zh_tw', 'ko', 'ja']

const answer = (t: StoredTemplate) => ({
  tpl_id: BigInt(t.id),
  tpl_content: t.text,
  check_status: t.status,
  reason: t.reason,
  lang: t.lang,
  country_code: t.countries?.join(',') ?? null,
})

function content(fields: URLSearchParams): string {
  const text = required(fields, 'tpl_content')
  if (!/^【[^【】]{1,20}】/.test(text)) fail(16, '签名格式不正确', '模板内容需以【签名】开头')
  if (text.length > 500) fail(48, '参数过长', 'tpl_content 长度超过500个字符')
  return text
}

function lang(fields: URLSearchParams): string | null {
  const value = fields.get('lang')
  if (value === null || value === '') return null
  if (!LANGS.includes(value)) fail(2, '请求参数格式错误', `lang 只能是 ${LANGS.join(', ')}`)
  return value
}

/** `/v2/tpl/*`: templates. Added and changed ones wait in `CHECKING` until `fake.reviewTemplate`. */
export function tplEndpoints(state: FakeState): EndpointGroup {
  const known = (raw: string): StoredTemplate => {
    const template = /^\d+$/.test(raw) ? state.templates.get(Number(raw)) : undefined
    if (!template) fail(5, '未找到匹配的模板', `模板 ${raw} 不存在`)
    return template
  }
  return {
    'tpl/add'(fields) {
      integerField(fields, 'notify_type', 0, 0, 3)
      return answer(state.templates.add(content(fields), lang(fields)))
    },
    'tpl/get'(fields) {
      const id = fields.get('tpl_id')
      // With a tpl_id the docs answer that one template, without one every template (an array).
      return id ? answer(known(id)) : state.templates.all().map(answer)
    },
    'tpl/update'(fields) {
      const template = known(required(fields, 'tpl_id'))
      integerField(fields, 'notify_type', 0, 0, 3)
      const updated = state.templates.update(template.id, content(fields), lang(fields))
      // Both the Java and Python SDKs unwrap a `template` key on update before taking the bare object.
      return state.templateUpdateAnswer === 'wrapped' ? { template: answer(updated) } : answer(updated)
    },
    'tpl/del'(fields) {
      const template = known(required(fields, 'tpl_id'))
      state.templates.delete(template.id)
      return answer(template)
    },
  }
}
