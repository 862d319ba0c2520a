// The pumping brake, attacked: who else can it be made to stop, and who can keep it from stopping a wave?
// Every attack runs against the real service, its memory stores and the fake Yunpian over HTTP.
import { describe, expect, it } from 'vitest'
import type { OtpEvent } from '../src/index.js'
import { rejection } from './helpers.js'
import { setup } from './otp-setup.js'

const MINUTE = 60_000
/** Valid GB mobiles in three prefixes: 44740, 44750 and 44751. */
const in740 = (i: number) => `+447400${100000 + i}`
const in750 = (i: number) => `+447500${100000 + i}`
const in751 = (i: number) => `+447510${100000 + i}`
/** The code lifetime and a bucket: every code sent so far has expired. */
const MATURE = 5 * MINUTE + 2 * MINUTE

type Setup = Awaited<ReturnType<typeof setup>>

/** One send per number, each from its own address (rotating addresses). */
async function sendAll(s: Setup, numbers: string[]) {
  for (const [i, mobile] of numbers.entries()) await s.otp.send({ mobile, clientKey: `203.0.113.${i}` })
}
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i)
const brakeEvents = (events: OtpEvent[]) => events.filter((e) => e.type === 'brake')

describe('attacks on the pumping brake', () => {
  it('a pinned prefix keeps sending when a wave on the rest of its country pauses the country', async () => {
    const s = await setup({
      brake: {
        prefix: { minSends: 1_000, minVerifiedRatio: 0.2 },
        country: { minSends: 16, minVerifiedRatio: 0.2 },
        neverBrake: ['+44740'],
      },
    })
    // The attacker spreads unverified codes over two other prefixes of the country.
    await sendAll(s, [...range(8).map(in750), ...range(8).map(in751)])
    s.clock.advance(MATURE)
    // The first send after the wave matured is to the pinned prefix: it must not trip or be refused.
    await s.otp.send({ mobile: in740(1), clientKey: 'real-1' })
    // The country may pause for the others...
    expect(await rejection(s.otp.send({ mobile: in750(100), clientKey: 'x' }))).toMatchObject({
      scope: 'brake',
      rule: 'brake-country',
    })
    // ...but never the prefix that neverBrake pins.
    await s.otp.send({ mobile: in740(2), clientKey: 'real-2' })
  })
})
