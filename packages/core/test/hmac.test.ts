import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hmacSha256Hex } from '../src/otp/hmac.js'

describe('hmacSha256Hex', () => {
  it('gives the same bytes as createHmac for any key (shorter, equal to and longer than a block) and text', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.string({ unit: 'binary', maxLength: 300 }),
        (key, message) => {
          expect(hmacSha256Hex(key)(message)).toBe(createHmac('sha256', key).update(message).digest('hex'))
        },
      ),
      { numRuns: 2_000 },
    )
  })

  it('matches RFC 4231 test case 2, and keeps its own copy of the key', () => {
    const key = Buffer.from('Jefe')
    const hmac = hmacSha256Hex(key)
    key.fill(0)
    expect(hmac('what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    )
  })
})
