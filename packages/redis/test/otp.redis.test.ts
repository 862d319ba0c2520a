import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { OtpService, ThrottleStoreError, YunpianClient } from '@yunpian-kit/core'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { Redis } from 'ioredis'
import { describe, expect, inject, it } from 'vitest'
import { startRedisServer } from '../../../scripts/redis-servers.js'
import { RedisOtpStore, RedisThrottleStore } from '../src/index.js'

const run = promisify(execFile)
const fixture = fileURLToPath(new URL('./fixtures/otp-sender.ts', import.meta.url))
const message = ({ code }: { code: string }) => `【Acme】Your code is ${code}.`

describe('limits that hold across instances', () => {
  it('two Node processes, 100 concurrent sends each to one number: exactly one SMS', async () => {
    const fake = await startFakeYunpian()
    const mobile = `+4474001${String(Date.now() % 100_000).padStart(5, '0')}`
    try {
      const outputs = await Promise.all(
        [1, 2].map(() =>
          run(
            process.execPath,
            ['--import', 'tsx', fixture, String(inject('redisPort')), fake.url, fake.apikey, mobile],
            {
              timeout: 30_000,
            },
          ),
        ),
      )
      const outcomes = outputs.map((o) => JSON.parse(o.stdout) as { sent: number; refusedBy: string[] })
      expect(outcomes.reduce((n, o) => n + o.sent, 0)).toBe(1)
      expect(fake.outbox.all().filter((m) => m.mobile === mobile)).toHaveLength(1)
      for (const o of outcomes) expect(o.refusedBy).toEqual(['OtpRateLimitedError:number'])
    } finally {
      await fake.close()
    }
  })
})

describe('Redis going away', () => {
  it('fails closed while Redis is down, leaks no listener, and works again when it returns', async () => {
    let server = await startRedisServer()
    const fake = await startFakeYunpian()
    const redis = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 })
    redis.on('error', () => undefined)
    const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })
    const otp = new OtpService({
      client,
      throttle: new RedisThrottleStore({ client: redis, timeoutMs: 300 }),
      codes: new RedisOtpStore({ client: redis, timeoutMs: 300 }),
      secret: 'a-secret-of-at-least-thirty-two-bytes!!!',
      message,
      countries: ['GB'],
    })
    try {
      await otp.send({ mobile: '+447400100001', clientKey: 'a' })
      const listeners = redis.listenerCount('error') + redis.listenerCount('ready')
      await server.stop()
      for (const mobile of ['+447400100002', '+447400100003', '+447400100004']) {
        const error = await otp.send({ mobile, clientKey: 'a' }).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(ThrottleStoreError)
      }
      const verify = await otp
        .verify({ mobile: '+447400100001', code: fake.outbox.lastCode('+447400100001')!, clientKey: 'a' })
        .catch((e) => e)
      expect(verify).toBeInstanceOf(ThrottleStoreError) // no code is accepted either
      expect(fake.outbox.size).toBe(1)
      expect(redis.listenerCount('error') + redis.listenerCount('ready')).toBe(listeners)

      server = await startRedisServer({ port: server.port })
      await new Promise<void>((resolve) =>
        redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve()),
      )
      await expect(otp.send({ mobile: '+447400100005', clientKey: 'a' })).resolves.toMatchObject({
        expiresIn: 300,
      })
      expect(fake.outbox.size).toBe(2)
    } finally {
      await client.close()
      redis.disconnect()
      await fake.close()
      await server.stop()
    }
  })

  it('fail-open admits the attempt and reports the error', async () => {
    const server = await startRedisServer()
    const redis = new Redis({
      host: '127.0.0.1',
      port: server.port,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    })
    redis.on('error', () => undefined)
    const errors: unknown[] = []
    const store = new RedisThrottleStore({
      client: redis,
      onStoreError: 'fail-open',
      onError: (e) => errors.push(e),
      timeoutMs: 200,
    })
    await server.stop()
    await new Promise((r) => setTimeout(r, 50))
    expect(await store.consume('k', [{ name: 'one', limit: 1, windowMs: 1000 }])).toEqual({
      allowed: true,
      remaining: 0,
    })
    expect(errors[0]).toBeInstanceOf(ThrottleStoreError)
    redis.disconnect()
  })
})

describe('one round trip per decision', () => {
  it('consume over three rules is one EVALSHA, and nothing else', async () => {
    const server = await startRedisServer()
    const redis = new Redis({ host: '127.0.0.1', port: server.port })
    try {
      const store = new RedisThrottleStore({ client: redis })
      const rules = [
        { name: '30s', limit: 1, windowMs: 30_000 },
        { name: '1h', limit: 3, windowMs: 3_600_000 },
        { name: '24h', limit: 10, windowMs: 86_400_000 },
      ]
      await store.consume('warm-up', rules) // loads the script (EVALSHA, NOSCRIPT, EVAL) once
      // MONITOR lists what clients send; commands a script runs inside Redis come from "lua".
      const monitor = await redis.monitor()
      const sent: string[] = []
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (source !== 'lua') sent.push(args[0]!.toLowerCase())
      })
      for (let i = 0; i < 50; i++) await store.consume(`k${i % 10}`, rules)
      // A sentinel after the last decision: once MONITOR shows it, it has shown everything before it.
      const seenSentinel = new Promise<void>((resolve) =>
        monitor.on('monitor', (_t: string, args: string[]) => args[0]?.toLowerCase() === 'echo' && resolve()),
      )
      await redis.echo('end')
      await seenSentinel
      monitor.disconnect()
      sent.splice(sent.lastIndexOf('echo'), 1)
      const calls = Object.fromEntries(
        [...new Set(sent)].map((name) => [name, sent.filter((s) => s === name).length]),
      )
      expect(calls).toEqual({ evalsha: 50 })
    } finally {
      await redis.quit()
      await server.stop()
    }
  })

  it('keys carry the prefix and one hash tag per subject; a url client is owned, a passed one is not', async () => {
    const port = inject('redisPort')
    const redis = new Redis({ host: '127.0.0.1', port })
    const store = new RedisThrottleStore({ client: redis, prefix: 'app1:' })
    await store.consume('otp:send:number:abc', [{ name: 'one', limit: 1, windowMs: 60_000 }])
    const keys = await redis.keys('app1:*')
    expect(keys).toEqual(['app1:{otp:send:number:abc}:events'])
    await store.close()
    expect(redis.status).toBe('ready') // not ours to close
    const owned = new RedisOtpStore({ url: `redis://127.0.0.1:${port}` })
    await owned.set('x', { digest: 'ab', ttlMs: 1000, attempts: 1 })
    await owned.close()
    await redis.quit()
  })
})
