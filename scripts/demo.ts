// `pnpm demo`: the fake Yunpian, a local redis-server when there is one, and every example server; then,
// over HTTP as a browser would, each scenario against each server. One table; non-zero exit on any failure.
import { execFileSync } from 'node:child_process'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { startExpress } from '../apps/example/src/express.js'
import { startFastify } from '../apps/example/src/fastify.js'
import { startHono } from '../apps/example/src/hono.js'
import { startNest } from '../apps/example/src/nestjs.js'
import { freePort, type RedisServer, startRedisServer } from './redis-servers.js'

const hasRedis = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
const redis: RedisServer | undefined = hasRedis ? await startRedisServer() : undefined
console.log(
  redis
    ? `stores: Redis (a local redis-server on port ${redis.port})`
    : 'stores: in memory (no redis-server found; install it to see the Redis stores)',
)
const env = {
  ...process.env,
  YUNPIAN_APIKEY: '',
  ...(redis ? { REDIS_URL: `redis://127.0.0.1:${redis.port}` } : {}),
}
const fake = await startFakeYunpian({ reports: { delayMs: 10 } })
const servers = [
  // Known ports, so each server can give Yunpian its webhook URL before it listens.
  await startExpress({ port: await freePort(), env, fake, redisPrefix: 'demo-express:', quiet: true }),
  await startFastify({ port: await freePort(), env, fake, redisPrefix: 'demo-fastify:', quiet: true }),
  await startNest({ port: await freePort(), env, fake, redisPrefix: 'demo-nestjs:', quiet: true }),
  await startHono({ port: await freePort(), env, fake, redisPrefix: 'demo-hono:', quiet: true }),
]

interface Row {
  adapter: string
  scenario: string
  ok: boolean
  outcome: string
  ms: number
}
const rows: Row[] = []

async function post(url: string, body: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json().catch(() => ({}))) as Record<string, unknown>,
  }
}

async function scenario(adapter: string, name: string, run: () => Promise<string>) {
  const started = performance.now()
  try {
    rows.push({ adapter, scenario: name, ok: true, outcome: await run(), ms: performance.now() - started })
  } catch (error) {
    rows.push({
      adapter,
      scenario: name,
      ok: false,
      outcome: (error as Error).message,
      ms: performance.now() - started,
    })
  }
}

function expectStatus(actual: number, expected: number, what: string) {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`)
}

for (const [index, server] of servers.entries()) {
  const mobile = `+4474001234${String(index).padStart(2, '0')}`
  const other = `+4474001235${String(index).padStart(2, '0')}`
  await scenario(server.name, 'send a code, read it, verify it', async () => {
    const sent = await post(`${server.url}/otp/send`, { mobile })
    expectStatus(sent.status, 202, 'send')
    const code = fake.outbox.lastCode(mobile)
    if (!code) throw new Error('no code in the outbox')
    const verified = await post(`${server.url}/otp/verify`, { mobile, code })
    expectStatus(verified.status, 200, 'verify')
    return `202 then 200 verified (code ${code})`
  })
  await scenario(server.name, 'resend too early', async () => {
    const again = await post(`${server.url}/otp/send`, { mobile })
    expectStatus(again.status, 429, 'resend')
    const retryAfter = again.headers.get('retry-after')
    if (!retryAfter) throw new Error('no Retry-After header')
    return `429 ${again.body.code}, Retry-After ${retryAfter} s`
  })
  await scenario(server.name, 'five wrong codes', async () => {
    expectStatus((await post(`${server.url}/otp/send`, { mobile: other })).status, 202, 'send')
    const code = fake.outbox.lastCode(other)!
    const wrong = code.replace(/\d$/, (d) => String((Number(d) + 1) % 10))
    for (let i = 0; i < 5; i++)
      expectStatus(
        (await post(`${server.url}/otp/verify`, { mobile: other, code: wrong })).status,
        401,
        'wrong code',
      )
    const dead = await post(`${server.url}/otp/verify`, { mobile: other, code })
    expectStatus(dead.status, 401, 'right code after five wrong')
    return '5 × 401, then 401 even for the right code: the code is dead (the number is not locked)'
  })
  await scenario(server.name, 'delivery report reaches the webhook', async () => {
    const sid = fake.outbox.last(mobile)!.sid
    await fake.reportsSettled()
    const log = (await (await fetch(`${server.url}/status`)).json()) as { sid: string; delivered: boolean }[]
    const report = log.find((r) => r.sid === sid)
    if (!report) throw new Error(`report for ${sid} not in the status log`)
    return `sid ${sid} ${report.delivered ? 'delivered' : 'failed'}, in the status log`
  })
  await scenario(server.name, 'a country outside the allow-list', async () => {
    const refused = await post(`${server.url}/otp/send`, { mobile: '+33612345678' })
    expectStatus(refused.status, 403, 'send to FR')
    return `403 ${refused.body.code}`
  })
}

await Promise.all(servers.map((s) => s.close()))
await fake.close()
await redis?.stop()

const width = (key: keyof Row) => Math.max(key.length, ...rows.map((r) => String(r[key]).length))
const [a, s] = [width('adapter'), width('scenario')]
console.log(`\n${'adapter'.padEnd(a)}  ${'scenario'.padEnd(s)}  result  ${'ms'.padStart(6)}  outcome`)
for (const r of rows) {
  console.log(
    `${r.adapter.padEnd(a)}  ${r.scenario.padEnd(s)}  ${(r.ok ? 'ok' : 'FAILED').padEnd(6)}  ${r.ms.toFixed(1).padStart(6)}  ${r.outcome}`,
  )
}
const failed = rows.filter((r) => !r.ok).length
console.log(`\n${rows.length - failed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
