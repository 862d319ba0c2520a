import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { request } from 'node:http'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { type FakeYunpian, startFakeYunpian } from '@yunpian-kit/testing'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { converting, MATURE, MINUTE, pumped } from '../../core/test/brake-fixtures.js'

const fixture = fileURLToPath(new URL('./fixtures/brake-app.ts', import.meta.url))
const tsconfig = fileURLToPath(new URL('./fixtures/tsconfig.json', import.meta.url))
const START = 1_700_000_000_000

interface Instance {
  child: ChildProcess
  port: number
  /** Lines the instance printed (its `brake` events). */
  lines: string[]
}

const running: { children: ChildProcess[]; fakes: FakeYunpian[] } = { children: [], fakes: [] }
afterEach(async () => {
  for (const child of running.children.splice(0)) {
    child.disconnect?.()
    child.kill()
  }
  await Promise.all(running.fakes.splice(0).map((f) => f.close()))
})

/** An app instance in its own Node process, on the shared Redis (or Cluster) under `keyPrefix`. */
async function instance(fake: FakeYunpian, keyPrefix: string, cluster: boolean): Promise<Instance> {
  const args = [String(inject('redisPort')), fake.url, fake.apikey, keyPrefix, String(fake.now())]
  if (cluster) args.push(inject('clusterPorts').join(','))
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], {
    env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  running.children.push(child)
  const lines: string[] = []
  const reader = createInterface({ input: child.stdout! })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the app instance did not start within 20 s')), 20_000)
    child.once('exit', (code) => reject(new Error(`the app instance exited with ${code}`)))
    reader.on('line', (line) => {
      lines.push(line)
      const parsed = JSON.parse(line) as { port?: number }
      if (parsed.port) {
        clearTimeout(timer)
        resolve(parsed.port)
      }
    })
  })
  return { child, port, lines }
}

/** Moves the fake's clock and every instance's by `ms`. */
async function advance(fake: FakeYunpian, instances: Instance[], ms: number): Promise<void> {
  fake.advance(ms)
  await Promise.all(
    instances.map(async ({ child }) => {
      const answered = once(child, 'message')
      child.send({ advance: ms })
      await answered
    }),
  )
}

/** A request from one loopback address (127.0.0.2 to 127.0.0.254): each is its own client to the app. */
// biome-ignore lint/suspicious/noExplicitAny: the answers are JSON of several shapes, read by the assertions
type Json = any

function call(
  target: Instance,
  method: 'GET' | 'POST',
  path: string,
  body?: object,
  from = '127.0.0.1',
): Promise<{ status: number; headers: Record<string, unknown>; json: Json }> {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : undefined
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        method,
        path,
        localAddress: from,
        headers: data
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString()
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            json: text ? JSON.parse(text) : undefined,
          })
        })
      },
    )
    req.on('error', reject)
    req.end(data)
  })
}

const address = (i: number) => `127.0.0.${2 + (i % 250)}`

describe.each([
  ['one Redis', false],
  ['one Redis Cluster', true],
])('a pumping wave over HTTP against two app processes sharing %s', (_name, cluster) => {
  it('pauses the pumped prefix and never the converting one; releases after the cool-off', async () => {
    const fake = await startFakeYunpian({ now: START })
    running.fakes.push(fake)
    const keyPrefix = `brake-${randomUUID().slice(0, 8)}:`
    const apps = await Promise.all([instance(fake, keyPrefix, cluster), instance(fake, keyPrefix, cluster)])
    // The wave: codes to one prefix, never verified, from rotating addresses, alternating instances.
    for (let i = 0; i < 12; i++) {
      const sent = await call(apps[i % 2]!, 'POST', '/otp/send', { mobile: pumped(i) }, address(i))
      expect(sent.status).toBe(202)
    }
    // Real users on the prefix beside it: sent by one instance, most verified on the other.
    for (let i = 0; i < 12; i++) {
      const mobile = converting(i)
      expect((await call(apps[i % 2]!, 'POST', '/otp/send', { mobile }, address(100 + i))).status).toBe(202)
      if (i < 9) {
        const code = fake.outbox.lastCode(mobile)
        const verified = await call(
          apps[(i + 1) % 2]!,
          'POST',
          '/otp/verify',
          { mobile, code },
          address(100 + i),
        )
        expect(verified.status).toBe(200)
      }
    }
    await advance(fake, apps, MATURE)

    const refused = await call(apps[1]!, 'POST', '/otp/send', { mobile: pumped(100) }, address(200))
    expect(refused.status).toBe(429)
    expect(refused.headers['retry-after']).toBe('3600')
    expect(refused.json).toMatchObject({ code: 'rate_limited' })
    // The other instance sees the same pause; the converting prefix is served by both.
    expect((await call(apps[0]!, 'POST', '/otp/send', { mobile: pumped(101) }, address(201))).status).toBe(
      429,
    )
    for (const [i, app] of apps.entries())
      expect(
        (await call(app, 'POST', '/otp/send', { mobile: converting(100 + i) }, address(202 + i))).status,
      ).toBe(202)

    const brakes = (await call(apps[0]!, 'GET', '/brakes')).json
    expect(brakes).toMatchObject([
      { scope: 'prefix', country: 'GB', prefix: '44740', figures: { sent: 12, verified: 0 } },
    ])
    // The instance whose send tripped it told its event, with the figures.
    expect(apps[1]!.lines.map((l) => JSON.parse(l)).filter((l) => l.brake)).toMatchObject([
      { brake: { prefix: '44740', figures: { sent: 12, verified: 0, ratio: 0 } } },
    ])
    const stats = (await call(apps[1]!, 'GET', '/stats')).json
    expect(stats.GB.prefixes['44750']).toMatchObject({ sent: 14, verified: 9 })

    await advance(fake, apps, 60 * MINUTE)
    expect((await call(apps[0]!, 'GET', '/brakes')).json).toEqual([])
    expect((await call(apps[1]!, 'POST', '/otp/send', { mobile: pumped(102) }, address(210))).status).toBe(
      202,
    )
  })
})

describe('undelivered codes over HTTP, two app processes sharing one Redis', () => {
  it('do not trip the brake: the reports pushed to the webhooks take them out of the evidence', async () => {
    const fake = await startFakeYunpian({ now: START, reports: { successRatio: 0 } })
    running.fakes.push(fake)
    const keyPrefix = `brake-${randomUUID().slice(0, 8)}:`
    const apps = await Promise.all([instance(fake, keyPrefix, false), instance(fake, keyPrefix, false)])
    for (let i = 0; i < 12; i++)
      expect((await call(apps[i % 2]!, 'POST', '/otp/send', { mobile: pumped(i) }, address(i))).status).toBe(
        202,
      )
    // The fake pushes each report a few real milliseconds after the send; wait until all twelve are in.
    let undelivered = 0
    for (let tries = 0; tries < 100 && undelivered < 12; tries++) {
      await new Promise((r) => setTimeout(r, 50))
      undelivered = (await call(apps[0]!, 'GET', '/stats')).json.GB?.undelivered ?? 0
    }
    expect(undelivered).toBe(12)
    await advance(fake, apps, MATURE)
    expect((await call(apps[1]!, 'POST', '/otp/send', { mobile: pumped(100) }, address(100))).status).toBe(
      202,
    )
    expect((await call(apps[0]!, 'GET', '/brakes')).json).toEqual([])
  })
})
