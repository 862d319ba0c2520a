// The pumping brake's test fixtures, for core's tests and the Redis store's (one set of numbers and thresholds).

export const MINUTE = 60_000
/** The code lifetime (5 minutes) and a bucket: every code sent so far has expired unverified. */
export const MATURE = 5 * MINUTE + 2 * MINUTE

/** Valid GB mobiles in the prefix `44<digits>`: `mobileIn('7400')(3)` is +447400100003. */
export const mobileIn = (digits: string) => (i: number) => `+44${digits}${100000 + i}`
/** Prefix 44740: the pumped one (codes never verified). */
export const pumped = mobileIn('7400')
/** Prefix 44750: the converting one. */
export const converting = mobileIn('7500')

/** Small thresholds, so a wave is a few dozen sends. */
export const brake = {
  prefix: { minSends: 10, minVerifiedRatio: 0.2 },
  country: { minSends: 1_000, minVerifiedRatio: 0.2 },
}

/** `n` whole numbers from `from`. */
export const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i)
