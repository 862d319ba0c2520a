import examples from 'libphonenumber-js/examples.mobile.json'
import { type CountryCode, getCountryCallingCode } from 'libphonenumber-js/max'
import { parsePhoneNumberFromString as parseWithMobileMetadata } from 'libphonenumber-js/mobile'
import { describe, expect, it } from 'vitest'
import { parseMobile, parseMobileNumber } from '../src/validation/mobile.js'

/** Every country's example mobile number and variants of it: digits changed, one added or dropped. */
function numbersNearExamples(perCountry: number): string[] {
  let seed = 7
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n
  }
  const numbers: string[] = []
  for (const [country, national] of Object.entries(examples as Record<string, string>)) {
    const prefix = `+${getCountryCallingCode(country as CountryCode)}`
    numbers.push(prefix + national)
    for (let k = 0; k < perCountry; k++) {
      const digits = national.split('')
      for (let c = 0; c <= random(3); c++) digits[random(digits.length)] = String(random(10))
      if (random(5) === 0) digits.push(String(random(10)))
      if (random(5) === 0) digits.pop()
      numbers.push(prefix + digits.join(''))
    }
  }
  return numbers
}

describe('parseMobileNumber', () => {
  it('agrees with parseMobile followed by a mobile-metadata check, country included, on 10,000+ numbers', () => {
    const numbers = numbersNearExamples(40)
    expect(numbers.length).toBeGreaterThan(10_000)
    let mobiles = 0
    const disagreements: string[] = []
    for (const value of numbers) {
      const twoParses = parseMobile(value)
      const mobile = twoParses.ok && parseWithMobileMetadata(twoParses.e164)?.isValid() === true
      const oneParse = parseMobileNumber(value)
      if (mobile) mobiles++
      const same = twoParses.ok
        ? oneParse.ok &&
          oneParse.mobile === mobile &&
          oneParse.e164 === twoParses.e164 &&
          oneParse.country === twoParses.country &&
          oneParse.international === twoParses.international
        : !oneParse.ok && oneParse.message === twoParses.message
      if (!same) disagreements.push(value)
    }
    expect(disagreements).toEqual([])
    // The sample holds both kinds in numbers: the check above compares something.
    expect(mobiles).toBeGreaterThan(2_000)
    expect(numbers.length - mobiles).toBeGreaterThan(2_000)
  })

  it('takes mainland numbers with and without +86, and remembers nothing wrong between calls', () => {
    expect(parseMobileNumber('13800138000')).toMatchObject({ ok: true, mobile: true, international: false })
    expect(parseMobileNumber('+8613800138000')).toMatchObject({
      ok: true,
      mobile: true,
      international: false,
    })
    // A fixed-line number, then the same number again (now from the cache of parsed numbers).
    for (let i = 0; i < 2; i++) {
      expect(parseMobileNumber('+442079460000')).toMatchObject({ ok: true, mobile: false, country: 'GB' })
      expect(parseMobileNumber('+447400123456')).toMatchObject({ ok: true, mobile: true, country: 'GB' })
    }
    expect(parseMobileNumber('+44 7400 123456')).toMatchObject({ ok: false })
  })
})
