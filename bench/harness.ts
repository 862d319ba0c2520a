import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'

/** One comparison, as `bench-results.json` stores it. */
export interface BenchResult {
  name: string
  ours: number
  baseline: number
  /** What `ours` and `baseline` count, e.g. `req/s`. */
  unit: string
  /** ours / baseline (higher is better for throughputs). */
  ratio: number
  /** The ratio the issue asks for. */
  goal: number
  /** What the baseline is. */
  against: string
  note?: string
}

export function result(init: Omit<BenchResult, 'ratio'>): BenchResult {
  return { ...init, ratio: Math.round((init.ours / init.baseline) * 1000) / 1000 }
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

/**
 * Alternates the two sides `rounds` times after a warm-up and keeps each side's best round, so a
 * hiccup of the machine does not decide the ratio.
 */
export async function compare(
  rounds: number,
  ours: () => Promise<number>,
  baseline: () => Promise<number>,
): Promise<{ ours: number; baseline: number }> {
  await baseline()
  await ours()
  let best = { ours: 0, baseline: 0 }
  for (let i = 0; i < rounds; i++) {
    const b = await baseline()
    const o = await ours()
    best = { ours: Math.max(best.ours, o), baseline: Math.max(best.baseline, b) }
  }
  return best
}

/** The fake Yunpian in its own process (rules off), so the client's cost is measured on its own core. */
export async function fakeInChildProcess(): Promise<{ url: string; apikey: string; close(): void }> {
  const require = createRequire(import.meta.url)
  const cli = require.resolve('@yunpian-kit/testing/package.json').replace(/package\.json$/, 'dist/cli.js')
  const child: ChildProcess = spawn(process.execPath, [cli, '--port', '0', '--no-rules', '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /listening on (http:\/\/\S+) \(apikey (\w+)\)/.exec(chunk.toString())
      if (match) resolve(match[1]!)
    })
    child.once('exit', (code) => reject(new Error(`yunpian-fake exited with ${code}`)))
  })
  return { url, apikey: 'fa4e0000000000000000000000000000', close: () => child.kill('SIGTERM') }
}
