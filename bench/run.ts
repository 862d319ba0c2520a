import { writeFileSync } from 'node:fs'
import { benchClient } from './client.js'
import { benchExpress } from './express.js'
import { benchFastify } from './fastify.js'
import type { BenchResult } from './harness.js'
import { benchNest } from './nestjs.js'
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
  benchParse,
  benchDrain,
  benchRedis,
  benchExpress,
  benchFastify,
  benchNest,
]

const results: BenchResult[] = []
for (const suite of suites) results.push(...(await suite()))

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 })
console.log(
  `\n${'benchmark'.padEnd(44)} ${'ours'.padStart(12)} ${'baseline'.padStart(12)}  ratio  goal  baseline is`,
)
for (const r of results) {
  const verdict = r.ratio >= r.goal ? 'ok' : 'BELOW GOAL'
  console.log(
    `${r.name.padEnd(44)} ${fmt(r.ours).padStart(12)} ${fmt(r.baseline).padStart(12)}  ${r.ratio.toFixed(2)}  ${r.goal.toFixed(2)}  ${r.against} (${r.unit}) ${verdict}${r.note ? ` — ${r.note}` : ''}`,
  )
}
writeFileSync(new URL('../bench-results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`)
console.log('\nwrote bench-results.json')
