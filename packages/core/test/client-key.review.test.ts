import { describe, expect, it } from 'vitest'
import { clientKeyFromAddress } from '../src/http/index.js'

describe('review: clientKeyFromAddress cannot be made to put every IPv4 client in one budget', () => {
  it.each([
    ['::ffff:198.51.100.7', '198.51.100.7'],
    ['::FFFF:198.51.100.7', '198.51.100.7'],
    ['0:0:0:0:0:ffff:198.51.100.7', '198.51.100.7'],
    ['0000:0000:0000:0000:0000:FFFF:198.51.100.7', '198.51.100.7'],
    ['::ffff:c633:6407', '198.51.100.7'],
    ['198.51.100.7', '198.51.100.7'],
  ])('%s is the IPv4 client %s', (address, key) => {
    expect(clientKeyFromAddress(address)).toBe(key)
  })

  it('IPv6 clients are grouped by /64 in every spelling, and other /64s are apart', () => {
    const key = '2001:db8:0:0::/64'
    for (const a of [
      '2001:db8::1',
      '2001:DB8:0:0:1::',
      '2001:0db8:0000:0000:ffff:ffff:ffff:ffff',
      '2001:db8::ffff:1.2.3.4',
    ])
      expect(clientKeyFromAddress(a)).toBe(key)
    expect(clientKeyFromAddress('2001:db8:0:1::1')).not.toBe(key)
    expect(clientKeyFromAddress('::ffff:0:0:1')).toBe('0:0:0:0::/64')
    expect(clientKeyFromAddress(undefined)).toBe('unknown')
  })
})
