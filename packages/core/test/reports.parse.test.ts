import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseReplyPush, parseStatusPush, YunpianReportError } from '../src/index.js'

const EXAMPLE =
  '{"error_detail":"错误号码,不扣费","sid":9528,"uid":null,"user_receive_time":"2014-03-17 22:55:21","error_msg":"YP:54","mobile":"+93701234566","report_status":"FAIL"}'
const formBody = (field: string, json: string) => `${field}=${encodeURIComponent(json)}`

describe('parseStatusPush', () => {
  const expected = {
    sid: '9528',
    uid: null,
    mobile: '+93701234566',
    delivered: false,
    reportStatus: 'FAIL',
    receivedAt: new Date('2014-03-17T14:55:21Z'),
    userReceiveTime: '2014-03-17 22:55:21',
    errorCode: 'YP:54',
    errorDetail: '错误号码,不扣费',
  }

  it('reads the protocol page’s example from a raw form body, a Buffer and a parsed object', () => {
    const raw = formBody('sms_status', `[${EXAMPLE}]`)
    expect(parseStatusPush(raw)).toEqual([expected])
    expect(parseStatusPush(Buffer.from(raw))).toEqual([expected])
    expect(parseStatusPush({ sms_status: `[${EXAMPLE}]` })).toEqual([expected])
    expect(parseStatusPush({ sms_status: JSON.parse(`[${EXAMPLE}]`) })).toEqual([expected])
  })

  it('tolerates the value still percent-encoded once more', () => {
    expect(parseStatusPush({ sms_status: encodeURIComponent(`[${EXAMPLE}]`) })).toEqual([expected])
    expect(parseStatusPush(formBody('sms_status', encodeURIComponent(`[${EXAMPLE}]`)))).toEqual([expected])
  })

  it('keeps 64-bit sids exact and reads delivered reports', () => {
    const json = `[{"sid":9007199254740993,"uid":"u-1","user_receive_time":"2024-01-01 08:00:00","error_msg":"DELIVRD","mobile":"13800138000","report_status":"SUCCESS"}]`
    const [report] = parseStatusPush(formBody('sms_status', json))
    expect(report).toMatchObject({
      sid: '9007199254740993',
      uid: 'u-1',
      delivered: true,
      errorCode: 'DELIVRD',
    })
    expect(report?.receivedAt?.toISOString()).toBe('2024-01-01T00:00:00.000Z')
  })

  it.each([
    ['no sms_status field', 'foo=bar', /no sms_status/],
    ['not JSON', 'sms_status=%5Bnope', /neither JSON/],
    ['an object, not an array', formBody('sms_status', EXAMPLE), /JSON array/],
    ['an empty array', formBody('sms_status', '[]'), /no report/],
    [
      'a bad report_status',
      formBody('sms_status', `[${EXAMPLE.replace('"FAIL"', '"MAYBE"')}]`),
      /sms_status\[0\] report_status/,
    ],
    [
      'a missing sid',
      formBody('sms_status', `[${EXAMPLE.replace('"sid":9528,', '')}]`),
      /sms_status\[0\] sid/,
    ],
    [
      'a bad time',
      formBody('sms_status', `[${EXAMPLE.replace('2014-03-17 22:55:21', 'yesterday')}]`),
      /user_receive_time/,
    ],
    ['one good and one bad record', formBody('sms_status', `[${EXAMPLE},{"sid":1}]`), /sms_status\[1\]/],
  ])('refuses %s with YunpianReportError, returning nothing', (_name, body, message) => {
    expect(() => parseStatusPush(body)).toThrow(YunpianReportError)
    expect(() => parseStatusPush(body)).toThrow(message)
  })
})

describe('parseReplyPush', () => {
  const example = {
    base_extend: '8888',
    extend: '01',
    id: '2a70c6bb4f2845da816ea1bfe5732747',
    mobile: '15205201314',
    reply_time: '2014-03-17 22:55:21',
    text: '收到了，谢谢！',
    _sign: '393d079e0a00912335adfe46f4a2e10f',
  }

  it('accepts the protocol page’s worked example (apikey 0000)', () => {
    expect(parseReplyPush(formBody('sms_reply', JSON.stringify(example)), { apikey: '0000' })).toEqual({
      id: example.id,
      mobile: '15205201314',
      text: '收到了，谢谢！',
      replyTime: '2014-03-17 22:55:21',
      repliedAt: new Date('2014-03-17T14:55:21Z'),
      extend: '01',
      baseExtend: '8888',
    })
  })

  it.each([
    ['a tampered text', { ...example, text: '收到了' }],
    ['another apikey', example, '1111'],
    ['a missing _sign', { ...example, _sign: undefined }],
    ['a malformed _sign', { ...example, _sign: 'zz' }],
  ] as [string, object, string?][])('refuses %s', (_name, record, apikey = '0000') => {
    expect(() => parseReplyPush({ sms_reply: JSON.stringify(record) }, { apikey })).toThrow(
      YunpianReportError,
    )
  })
})

describe('push parsing: properties over hostile bodies', () => {
  const record = fc.record({
    sid: fc.bigInt({ min: 0n, max: 2n ** 63n }),
    uid: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
    user_receive_time: fc.constant('2024-05-06 07:08:09'),
    error_msg: fc.constantFrom('DELIVRD', 'DB:0103', 'YP:54', ''),
    mobile: fc.constantFrom('13800138000', '+447400123456'),
    report_status: fc.constantFrom('SUCCESS', 'FAIL'),
  })
  const toJson = (records: unknown[]) =>
    JSON.stringify(records, (_k, v) => (typeof v === 'bigint' ? `__big${v}__` : v)).replace(
      /"__big(\d+)__"/g,
      '$1',
    )

  it('valid pushes, encoded once or twice, give back exactly their records', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 30 }), fc.boolean(), (records, twice) => {
        const json = toJson(records)
        const value = twice ? encodeURIComponent(json) : json
        const parsed = parseStatusPush(`sms_status=${encodeURIComponent(value)}`)
        expect(parsed.map((r) => r.sid)).toEqual(records.map((r) => r.sid.toString()))
        expect(parsed.map((r) => r.delivered)).toEqual(records.map((r) => r.report_status === 'SUCCESS'))
      }),
      { numRuns: 300 },
    )
  })

  it('truncated and hostile bodies throw YunpianReportError and nothing else, and invent no record', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 5 }),
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json()),
        fc.nat(),
        (records, junk, cut) => {
          const json = toJson(records)
          for (const body of [
            `sms_status=${encodeURIComponent(json.slice(0, cut % json.length))}`,
            `sms_status=${junk}`,
            junk,
            { sms_status: junk },
            `sms_reply=${encodeURIComponent(junk)}`,
          ]) {
            try {
              const parsed = parseStatusPush(body)
              // Whatever parsed must be real records of the input, never half a list.
              expect(parsed.map((r) => r.sid)).toEqual(records.map((r) => r.sid.toString()))
            } catch (error) {
              expect(error).toBeInstanceOf(YunpianReportError)
            }
            try {
              parseReplyPush(body, { apikey: 'k' })
            } catch (error) {
              expect(error).toBeInstanceOf(YunpianReportError)
            }
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
