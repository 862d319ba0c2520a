import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { estimateCost, segment, toGsm, YunpianValidationError } from '../src/index.js'
import { setup } from './helpers.js'

describe('segment: the GSM 03.38 and UCS-2 boundaries', () => {
  it.each([
    ['160 Latin characters: one GSM part', 'a'.repeat(160), 'gsm7', 160, [160]],
    ['161: two parts of 153 + 8', 'a'.repeat(161), 'gsm7', 161, [153, 8]],
    ['306: exactly two parts', 'a'.repeat(306), 'gsm7', 306, [153, 153]],
    ['307: three parts', 'a'.repeat(307), 'gsm7', 307, [153, 153, 1]],
    ['500 characters: four parts', 'a'.repeat(500), 'gsm7', 500, [153, 153, 153, 41]],
    [
      'an extension character at the 160th septet still fits one part',
      `${'a'.repeat(158)}€`,
      'gsm7',
      160,
      [159],
    ],
    [
      'an extension character as the 160th and 161st septets: two parts',
      `${'a'.repeat(159)}€`,
      'gsm7',
      161,
      [153, 7],
    ],
    [
      'an extension character at the 153rd septet moves whole to part two',
      `${'a'.repeat(152)}€${'a'.repeat(10)}`,
      'gsm7',
      164,
      [152, 11],
    ],
    [
      'CR LF counts 2 septets and may be split between parts',
      `${'a'.repeat(152)}\r\n${'b'.repeat(10)}`,
      'gsm7',
      164,
      [153, 11],
    ],
    ['70 Chinese units: one UCS-2 part', `【签名】${'验'.repeat(66)}`, 'ucs2', 70, [70]],
    ['71: two parts of 67 + 4', `【签名】${'验'.repeat(67)}`, 'ucs2', 71, [67, 4]],
    [
      'an emoji straddling the 67th unit moves whole',
      `${'中'.repeat(66)}😀${'中'.repeat(10)}`,
      'ucs2',
      78,
      [66, 12],
    ],
    [
      'a flag straddling the 67th unit moves whole',
      `${'中'.repeat(65)}🇬🇧${'中'.repeat(10)}`,
      'ucs2',
      79,
      [65, 14],
    ],
    [
      'an emoji with a skin tone moves whole',
      `${'中'.repeat(64)}👍🏽${'中'.repeat(10)}`,
      'ucs2',
      78,
      [64, 14],
    ],
    ['a ZWJ family moves whole', `${'中'.repeat(60)}👨‍👩‍👧${'中'.repeat(10)}`, 'ucs2', 78, [60, 18]],
    [
      'a letter with a combining accent moves whole',
      `${'中'.repeat(66)}e\u0301${'中'.repeat(10)}`,
      'ucs2',
      78,
      [66, 12],
    ],
  ] as const)('%s', (_name, text, encoding, units, partLengths) => {
    const result = segment(text)
    expect(result.encoding).toBe(encoding)
    expect(result.units).toBe(units)
    expect(result.parts.map((p) => p.length)).toEqual(partLengths)
    expect(result.parts.join('')).toBe(text)
  })

  it('the part count can exceed ceil(units / 67) when clusters move', () => {
    const text = `${'中'.repeat(66)}😀${'中'.repeat(66)}`
    const { units, parts } = segment(text)
    expect([units, Math.ceil(units / 67)]).toEqual([134, 2])
    expect(parts.map((p) => p.length)).toEqual([66, 67, 1])
  })

  it('characters that only look GSM make the whole text UCS-2, and are named', () => {
    for (const ch of ['ç', 'Α' /* Greek capital alpha */, '`', '\t', '\u00a0', '“', '’', '【']) {
      const result = segment(`Hello ${ch} world`)
      expect([ch, result.encoding]).toEqual([ch, 'ucs2'])
      expect(result.nonGsm).toEqual([ch])
    }
    expect(segment('Ç and ÆØÅ, ΔΦΓΛΩΠΨΣΘΞ, @£$¥ and ^{}\\[~]|€').encoding).toBe('gsm7')
    expect(segment('【Yunpian】Your Verify Code is 12345.').encoding).toBe('ucs2')
    expect(segment('【Yunpian】Your Verify Code is 12345.').nonGsm).toEqual(['【', '】'])
    expect(segment('Hi 😀').nonGsm).toEqual(['😀'])
  })

  it('empty, lone surrogates and over 500 are validation errors', () => {
    for (const bad of ['', 'a\ud800b', 'a'.repeat(501)]) {
      expect(() => segment(bad)).toThrow(YunpianValidationError)
    }
    expect(() => segment('a'.repeat(501))).toThrow(/at most 500/)
    expect(() => segment('\udc00')).toThrow(/lone surrogate/)
  })

  it('normalize: NFC and GSM look-alikes, so a text can become GSM', () => {
    const text = '“Hello” — it’s\u00a0e\u0301te…'
    expect(segment(text).encoding).toBe('ucs2')
    const normalized = segment(text, { normalize: true })
    expect(normalized.encoding).toBe('gsm7')
    expect(normalized.text).toBe('"Hello" - it\'s éte...')
  })

  it('toGsm replaces what has a GSM meaning and leaves the rest', () => {
    expect(toGsm('‘a’ “b” c–d—e… f\u00a0g ç')).toBe('\'a\' "b" c-d-e... f g Ç')
    expect(toGsm('中文 😀')).toBe('中文 😀')
  })
})

describe('estimateCost', () => {
  it('mainland numbers: Yunpian’s 70/67 rule on UTF-16 units, whatever the alphabet', () => {
    expect(estimateCost(`【签名】${'验'.repeat(66)}`, '13800138000')).toMatchObject({
      billedCount: 1,
      basis: 'yunpian-70-67',
    })
    expect(estimateCost(`【签名】${'验'.repeat(67)}`, '13800138000')).toMatchObject({
      billedCount: 2,
      parts: 2,
    })
    // 100 Latin characters: one GSM part on the air, but Yunpian bills 2 for mainland numbers.
    expect(estimateCost('a'.repeat(100), '13800138000')).toMatchObject({
      billedCount: 2,
      parts: 1,
      encoding: 'gsm7',
    })
    // An emoji counts 2 units.
    expect(estimateCost(`${'a'.repeat(69)}😀`, '13800138000').billedCount).toBe(2)
  })

  it('international numbers: the on-air part count, flagged as an estimate', () => {
    expect(estimateCost('a'.repeat(160), '+447700900123')).toEqual({
      parts: 1,
      billedCount: 1,
      basis: 'on-air',
      encoding: 'gsm7',
      estimate: true,
    })
    expect(estimateCost('【Acme】Your code is 1234', '+447700900123')).toMatchObject({
      encoding: 'ucs2',
      parts: 1,
    })
  })

  it('a bad number is a validation error', () => {
    expect(() => estimateCost('hi', '12')).toThrow(YunpianValidationError)
  })

  it('the client reports when Yunpian’s count differs from the estimate', async () => {
    const events: unknown[] = []
    const { client } = await setup({}, { onCountMismatch: (e) => events.push(e) })
    // The fake bills 70/67 for every number, as Yunpian documents (134 units: 2); on the air the emoji
    // cannot straddle parts, so the text takes 3.
    const text = `【A】${'中'.repeat(63)}😀${'中'.repeat(66)}`
    expect(segment(text).parts.length).toBe(3)
    const sent = await client.sms.singleSend({ mobile: '+447700900123', text })
    await client.sms.singleSend({ mobile: '13800138000', text: '【A】hello' }) // matches: no event
    expect(events).toEqual([
      {
        endpoint: 'sms/single_send',
        mobile: '+447700900123',
        sid: sent.sid,
        estimated: 3,
        billed: 2,
        basis: 'on-air',
      },
    ])
  })
})

const graphemeSegmenter = new Intl.Segmenter('und', { granularity: 'grapheme' })
const piece = fc.constantFrom(
  'a',
  'Z',
  ' ',
  '0',
  '@',
  '€',
  '^',
  '{',
  '\\',
  '\r\n',
  '\n',
  'é',
  'Ç',
  'ç',
  '中',
  '验',
  '【',
  '】',
  '😀',
  '👍🏽',
  '🇬🇧',
  '👨‍👩‍👧',
  'e\u0301',
  'a\u0308\u0323',
  '\u1100\u1161\u11a8',
  '👩🏽‍💻',
  '#️⃣',
)
const text = fc
  .array(piece, { minLength: 1, maxLength: 160 })
  .map((p) => p.join(''))
  .filter((t) => t.length <= 500)

describe('segment: properties', () => {
  it('joining the parts gives back the text; no part exceeds its capacity', () => {
    fc.assert(
      fc.property(text, (t) => {
        const { parts, perPart, encoding } = segment(t)
        expect(parts.join('')).toBe(t)
        for (const part of parts) {
          const size = encoding === 'ucs2' ? part.length : segment(part).units
          expect(size).toBeLessThanOrEqual(perPart)
          expect(part.length).toBeGreaterThan(0)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('no part starts inside an escape pair, a surrogate pair or a grapheme cluster', () => {
    fc.assert(
      fc.property(text, (t) => {
        const boundaries = new Set<number>()
        for (const { index } of graphemeSegmenter.segment(t)) boundaries.add(index)
        let offset = 0
        for (const part of segment(t).parts) {
          const splitsCrLf = t[offset - 1] === '\r' && t[offset] === '\n'
          expect(
            boundaries.has(offset) || splitsCrLf,
            `a part starts at ${offset} of ${JSON.stringify(t)}`,
          ).toBe(true)
          offset += part.length
        }
      }),
      { numRuns: 500 },
    )
  })
})
