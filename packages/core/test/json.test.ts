import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseJsonWithExactSids } from '../src/protocol/json.js'

describe('parseJsonWithExactSids', () => {
  it('keeps every digit of 64-bit sids, in objects and arrays', () => {
    expect(parseJsonWithExactSids('{"code":0,"sid":9007199254740993}')).toEqual({
      code: 0,
      sid: '9007199254740993',
    })
    expect(parseJsonWithExactSids('[{"sid" : 18446744073709551615,"x":1},{"sid":1}]')).toEqual([
      { sid: '18446744073709551615', x: 1 },
      { sid: '1' },
    ])
  })

  it('leaves strings that merely contain "sid": alone, and other numbers as numbers', () => {
    const text = '{"detail":"bad \\"sid\\":123 here","fee":0.05,"sid":"already","n":{"sid":2.5}}'
    expect(parseJsonWithExactSids(text)).toEqual({
      detail: 'bad "sid":123 here',
      fee: 0.05,
      sid: 'already',
      n: { sid: 2.5 },
    })
  })

  it('matches JSON.parse on any JSON whose sids are safe, except sids become strings', () => {
    fc.assert(
      fc.property(
        fc.jsonValue().filter((v) => !JSON.stringify(v).includes(`"sid"`)),
        fc.bigInt({ min: 0n, max: 2n ** 64n }),
        (value, sid) => {
          const text = JSON.stringify({ data: value, sid: Number.MAX_SAFE_INTEGER }).replace(
            `"sid":${Number.MAX_SAFE_INTEGER}`,
            `"sid":${sid}`,
          )
          const parsed = parseJsonWithExactSids(text) as { data: unknown; sid: string }
          expect(parsed.sid).toBe(sid.toString())
          expect(parsed.data).toEqual(JSON.parse(JSON.stringify(value)))
        },
      ),
      { numRuns: 300 },
    )
  })
})
