import { decodePiece, fail, required } from '../failure.js'
import type { FakeMobile } from '../mobile.js'
import {
  accept,
  batch,
  checkBlackWords,
  checkSignature,
  type EndpointGroup,
  type FakeState,
  readMobileOrFail,
  sendAnswer,
} from '../state.js'
import { checkCountry, fillTemplate } from '../templates.js'

function requireText(fields: URLSearchParams): string {
  const text = required(fields, 'text')
  if (text.length > 500) fail(48, '参数过长', 'text 长度超过500个字符')
  return text
}

/** `/v2/sms/*_send`: free text to one, many, or each its own; templates to one or many. */
export function smsSendEndpoints(state: FakeState): EndpointGroup {
  const checkFreeText = (text: string) => (mobile: FakeMobile) => {
    checkSignature(text)
    checkBlackWords(state, text)
    state.templates.checkText(text, mobile)
  }
  return {
    'sms/single_send'(fields) {
      const mobile = readMobileOrFail(state, fields.get('mobile'))
      const text = requireText(fields)
      checkFreeText(text)(mobile)
      return sendAnswer(accept(state, mobile, text, fields, 'sms/single_send'))
    },
    'sms/batch_send'(fields) {
      const mobiles = required(fields, 'mobile').split(',').filter(Boolean)
      const text = requireText(fields)
      return batch(
        state,
        mobiles.map((mobile) => ({ mobile, text, check: checkFreeText(text) })),
        fields,
        'sms/batch_send',
      )
    },
    'sms/multi_send'(fields) {
      const mobiles = required(fields, 'mobile').split(',').filter(Boolean)
      const texts = required(fields, 'text')
        .split(',')
        .map((t) => decodePiece(t, 'text'))
      if (mobiles.length !== texts.length)
        fail(25, '手机号和短信内容个数不匹配', '手机号和短信内容个数不匹配')
      return batch(
        state,
        mobiles.map((mobile, i) => ({ mobile, text: texts[i]!, check: checkFreeText(texts[i]!) })),
        fields,
        'sms/multi_send',
      )
    },
    'sms/tpl_batch_send'(fields) {
      const mobiles = required(fields, 'mobile').split(',').filter(Boolean)
      const template = state.templates.approved(required(fields, 'tpl_id'))
      const text = fillTemplate(template, required(fields, 'tpl_value'))
      return batch(
        state,
        mobiles.map((mobile) => ({ mobile, text, check: (m: FakeMobile) => checkCountry(template, m) })),
        fields,
        'sms/tpl_batch_send',
        template.id,
      )
    },
    'sms/tpl_single_send'(fields) {
      const mobile = readMobileOrFail(state, fields.get('mobile'))
      const template = state.templates.approved(required(fields, 'tpl_id'))
      const text = fillTemplate(template, required(fields, 'tpl_value'))
      checkCountry(template, mobile)
      return sendAnswer(accept(state, mobile, text, fields, 'sms/tpl_single_send', template.id))
    },
  }
}
