import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { Redis } from 'ioredis'

/** One side measured several times: `best` is the figure shown, `runs` (in round order) give the spread. */
export interface Figure {
  best: number
  runs: number[]
}

/**
 * What a row compares against. `ceiling`: what the machine allows for the same round trips with no work
 * (Redis `PING`, a bare HTTP round trip, a framework's hello-world route). `peer`: what a user would write
 * or install instead (another library, a bare route calling the client directly).
 */
export type Against = 'ceiling' | 'peer'

/** One comparison, as `bench/results.json` stores it. */
export interface BenchResult {
  /** The path measured; rows with the same name share `ours` and print as one group. */
  name: string
  /** What the figures count, e.g. `req/s` (higher is better). */
  unit: string
  /** Best run of ours and of the baseline. */
  ours: number
  baseline: number
  /** What the baseline is. */
  against: string
  kind: Against
  /** ours / baseline, from the best runs. */
  ratio: number
  /** The lowest and highest ours/baseline of the rounds, each from runs taken side by side. */
  ratioRange: [number, number]
  /** (best − worst) / best over the rounds, per side: how noisy the machine was. */
  spread: { ours: number; baseline: number }
  /** The ratio asked for; absent for an informational row. */
  goal?: number
  /** Why the goal is this number (what bounds it physically). */
  goalReason?: string
  note?: string
}

export interface ResultInit {
  name: string
  unit: string
  ours: Figure
  baseline: Figure
  against: string
  /** Default `peer`. */
  kind?: Against
  /** Omit (or 0) for an informational row. */
  goal?: number
  goalReason?: string
  note?: string
}

const round3 = (n: number) => Math.round(n * 1000) / 1000

/** The one way to declare a row: a path's figure beside one comparison, with its goal. */
export function result(init: ResultInit): BenchResult {
  const { ours, baseline, goal, ...rest } = init
  const pairs = ours.runs.map((o, i) => o / (baseline.runs[i] ?? Number.NaN)).filter(Number.isFinite)
  const spread = (f: Figure) => (f.runs.length ? round3((f.best - Math.min(...f.runs)) / f.best) : 0)
  return {
    ...rest,
    kind: init.kind ?? 'peer',
    ours: Math.round(ours.best),
    baseline: Math.round(baseline.best),
    ratio: round3(ours.best / baseline.best),
    ratioRange: pairs.length ? [round3(Math.min(...pairs)), round3(Math.max(...pairs))] : [0, 0],
    spread: { ours: spread(ours), baseline: spread(baseline) },
    ...(goal ? { goal } : {}),
  }
}

/** Runs `task` `total` times with at most `concurrency` in flight; returns operations per second. */
export async function throughput(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await task(next++)
    }),
  )
  return total / ((performance.now() - started) / 1000)
}

/** Runs `task` `total` times in a plain loop; returns operations per second (for CPU-only work). */
export async function loop(total: number, task: (i: number) => unknown): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < total; i++) await task(i)
  return total / ((performance.now() - started) / 1000)
}

/** Wraps a run to record this process's CPU per operation; keeps the lowest seen (the least disturbed). */
export function withCpu(ops: number, run: () => Promise<number>) {
  const cpu = { perOpUs: Number.POSITIVE_INFINITY }
  const measured = async () => {
    const started = process.cpuUsage()
    const rate = await run()
    const used = process.cpuUsage(started)
    cpu.perOpUs = Math.min(cpu.perOpUs, (used.user + used.system) / ops)
    return rate
  }
  return { cpu, measured }
}

/**
 * Measures every side `rounds` times after one warm-up each, alternating within each round and rotating
 * who goes first, so a busy moment on the (shared) machine lands on one run of one side, not on a side.
 * Each side's figure is its best run; the runs are kept for the spread and the per-round ratios.
 */
export async function alternate<K extends string>(
  rounds: number,
  sides: Record<K, () => Promise<number>>,
): Promise<Record<K, Figure>> {
  const names = Object.keys(sides) as K[]
  for (const name of names) await sides[name]()
  const runs = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(r + i) % names.length]!
      runs[name].push(await sides[name]())
    }
  }
  return Object.fromEntries(names.map((n) => [n, { best: Math.max(...runs[n]), runs: runs[n] }])) as Record<
    K,
    Figure
  >
}

/** `alternate` for the common case of two sides. */
export function compare(
  rounds: number,
  ours: () => Promise<number>,
  baseline: () => Promise<number>,
): Promise<{ ours: Figure; baseline: Figure }> {
  return alternate(rounds, { baseline, ours })
}

/** Commands clients sent (not the ones scripts ran inside Redis) while `work` ran, per MONITOR. */
export async function countRoundTrips(redis: Redis, work: () => Promise<void>): Promise<number> {
  const monitor = await redis.monitor()
  let sent = 0
  monitor.on('monitor', (_t: string, args: string[], source: string) => {
    if (source !== 'lua' && args[0]?.toLowerCase() !== 'echo') sent++
  })
  await work()
  const sentinel = new Promise<void>((resolve) =>
    monitor.on('monitor', (_t: string, args: string[]) => args[0]?.toLowerCase() === 'echo' && resolve()),
  )
  await redis.echo('end')
  await sentinel
  monitor.disconnect()
  return sent
}

/** A server in its own process that prints `listening on <url>`; `args` are node's. */
export async function serverInChildProcess(args: string[]): Promise<{ url: string; close(): void }> {
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /listening on (http:\/\/[^\s)]+)/.exec(chunk.toString())
      if (match) resolve(match[1]!)
    })
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)))
  })
  return { url, close: () => child.kill('SIGTERM') }
}

/** The HTTP ceiling's server (bench/ceiling-server.ts) in its own process. */
export function bareServerInChildProcess(): Promise<{ url: string; close(): void }> {
  return serverInChildProcess([
    '--import',
    'tsx',
    fileURLToPath(new URL('./ceiling-server.ts', import.meta.url)),
  ])
}

/** The fake Yunpian in its own process (rules off), so the client's cost is measured on its own core. */
export async function fakeInChildProcess(): Promise<{ url: string; apikey: string; close(): void }> {
  const require = createRequire(import.meta.url)
  const cli = require.resolve('@yunpian-kit/testing/package.json').replace(/package\.json$/, 'dist/cli.js')
  const fake = await serverInChildProcess([cli, '--port', '0', '--no-rules', '--quiet'])
  return { ...fake, apikey: 'fa4e0000000000000000000000000000' }
}
