import { booleanField, fail, required } from '../failure.js'
import type { EndpointGroup, FakeState, SignEntry } from '../state.js'

function signName(raw: string): string {
  const name = raw.replace(/^【(.*)】$/, '$1')
  if (!/^[^【】]{2,20}$/.test(name)) fail(16, '签名格式不正确', '签名为2到20个字符，不含【】')
  return name
}

const record = (s: SignEntry) => ({
  sign: s.sign,
  check_status: s.status,
  enabled: s.status === 'SUCCESS',
  extend: '',
  only_global: s.onlyGlobal,
  remark: '',
  vip: s.vip,
  chan: 'fake',
})

/** `/v2/sign/*`: signatures. Added ones wait in `CHECKING`; `signs` in the options are approved. */
export function signEndpoints(state: FakeState): EndpointGroup {
  return {
    'sign/add'(fields) {
      const sign = signName(required(fields, 'sign'))
      if (state.signs.has(sign)) fail(-54, '记录已经存在', `签名 ${sign} 已经存在`)
      booleanField(fields, 'notify', true)
      const entry: SignEntry = {
        sign,
        status: 'CHECKING',
        vip: booleanField(fields, 'apply_vip', false),
        onlyGlobal: booleanField(fields, 'is_only_global', false),
        industryType: fields.get('industry_type') || '其它',
      }
      state.signs.set(sign, entry)
      // yunpian-python-sdk reads rsp['sign'] for add, get and update alike.
      return {
        sign: {
          apply_state: 'SUCCESS',
          sign,
          is_apply_vip: entry.vip,
          is_only_global: entry.onlyGlobal,
          industry_type: entry.industryType,
        },
      }
    },
    'sign/get'(fields) {
      const wanted = fields.get('sign')
      let list = [...state.signs.values()]
      if (wanted) list = list.filter((s) => s.sign === signName(wanted))
      // The sign docs: page_num / page_size absent or malformed return everything.
      const positive = (name: string) => {
        const raw = fields.get(name)
        return raw && /^[1-9]\d*$/.test(raw) ? Number(raw) : undefined
      }
      const size = positive('page_size')
      const page = positive('page_num')
      const shown = size && page ? list.slice((page - 1) * size, page * size) : list
      return { total: list.length, sign: shown.map(record) }
    },
  }
}
