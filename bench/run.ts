import { writeFileSync } from 'node:fs'
import { benchBrake } from './brake.js'
import { benchClient } from './client.js'
import { benchExpress } from './express.js'
import { benchFastify } from './fastify.js'
import type { BenchResult } from './harness.js'
import { benchHono } from './hono.js'
import { benchNest } from './nestjs.js'
import { benchVerify } from './otp.js'
import { benchRedis } from './redis.js'
import { benchDrain, benchParse } from './reports.js'
import { benchSegment } from './segment.js'
import { benchOtp, benchThrottle } from './throttle.js'

/** Every comparison `pnpm bench` makes; each issue that adds a benchmark adds its function here. */
const suites: (() => Promise<BenchResult[]>)[] = [
  benchClient,
  benchSegment,
  benchThrottle,
  benchOtp,
  benchVerify,
  benchParse,
  benchDrain,
  benchRedis,
  benchBrake,
  benchExpress,
  benchFastify,
  benchNest,
  benchHono,
]

// `pnpm bench redis client` runs only the suites whose function name contains one of the words.
const only = process.argv.slice(2).map((w) => w.toLowerCase())
const chosen = only.length ? suites.filter((s) => only.some((w) => s.name.toLowerCase().includes(w))) : suites

const results: BenchResult[] = []
for (const suite of chosen) {
  const started = performance.now()
  results.push(...(await suite()))
  console.error(`${suite.name}: ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 })
const pct = (n: number) => `±${Math.round(n * 100)}%`.padStart(5)
// Rounded down, so a ratio just under its goal never prints as meeting it.
const ratio = (n: number) => (Math.floor(n * 100) / 100).toFixed(2)
const heading = (r: BenchResult) => `${r.name} (${r.unit})`
const label = (r: BenchResult) => `  vs ${r.kind === 'ceiling' ? 'ceiling: ' : ''}${r.against}`
const width = Math.max(20, ...results.flatMap((r) => [heading(r).length, label(r).length]))
console.log(
  `\n${'path / compared with'.padEnd(width)} ${'best'.padStart(10)} spread  ratio (rounds)    goal  verdict`,
)
let group = ''
for (const r of results) {
  if (r.name !== group) {
    group = r.name
    console.log(`\n${heading(r).padEnd(width)} ${fmt(r.ours).padStart(10)} ${pct(r.spread.ours)}`)
  }
  const verdict = r.goal === undefined ? 'info' : r.ratio >= r.goal ? 'ok' : 'BELOW GOAL'
  const range = `(${ratio(r.ratioRange[0])}–${ratio(r.ratioRange[1])})`
  const goal = r.goal === undefined ? '' : `≥${r.goal.toFixed(2)}`
  console.log(
    `${label(r).padEnd(width)} ${fmt(r.baseline).padStart(10)} ${pct(r.spread.baseline)}  ${ratio(r.ratio)} ${range.padEnd(12)} ${goal.padStart(5)}  ${verdict}`,
  )
  if (r.note) console.log(`      ${r.note}`)
}
if (only.length === 0) {
  writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`)
  console.log('\nwrote bench/results.json')
} else {
  console.log('\n(some suites only: bench/results.json left as it was)')
}
