// Redis failures name where Redis was expected (never its password); a bad URL is refused at construction.

import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { StoreError, YunpianOptionsError } from '@yunpian-kit/core'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { RedisOtpStore, RedisThrottleStore } from '../src/index.js'

const rules = [{ name: 'r', limit: 1, windowMs: 60_000 }]

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: Error) => error,
  )
}

describe('Redis store messages', () => {
  it('refuses a URL that is not redis:// or rediss:// when the store is made', () => {
    const bad = () => new RedisThrottleStore({ url: 'htp://nope' })
    expect(bad).toThrow(YunpianOptionsError)
    expect(bad).toThrow(
      expect.objectContaining({
        option: 'url',
        message:
          'Invalid @yunpian-kit/redis options: url: got "htp://nope" (10 characters); must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379',
      }),
    )
    expect(() => new RedisOtpStore({ url: 'redis://' + 'bad host:1' })).toThrow(
      expect.objectContaining({ name: 'YunpianOptionsError', option: 'url' }),
    )
  })

  it('names a timeout that is not a positive number', () => {
    const client = new Redis({ lazyConnect: true })
    try {
      const make = () => new RedisThrottleStore({ client, timeoutMs: 0 })
      expect(make).toThrow(YunpianOptionsError)
      expect(make).toThrow(
        expect.objectContaining({
          option: 'timeoutMs',
          message: 'Invalid @yunpian-kit/redis options: timeoutMs: got 0; must be a positive number',
        }),
      )
    } finally {
      client.disconnect()
    }
  })

  it('takes client or url, never both: the types refuse both, and JavaScript callers are told why', () => {
    const client = new Redis({ lazyConnect: true })
    try {
      // @ts-expect-error the options are `{ client } | { url }`
      const both = () => new RedisThrottleStore({ client, url: 'redis://127.0.0.1:6379' })
      expect(both).toThrow(YunpianOptionsError)
      expect(both).toThrow(
        expect.objectContaining({
          option: 'url',
          message:
            'Invalid @yunpian-kit/redis options: url: got "redis://127.0.0.1:6379" (22 characters); goes without client: a Redis store takes client (one you own, never closed by the store) or url (the store creates and closes its own client), not both',
        }),
      )
      // @ts-expect-error one of them is required
      const neither = () => new RedisOtpStore({ prefix: 'x:' })
      expect(neither).toThrow(YunpianOptionsError)
      expect(neither).toThrow(
        expect.objectContaining({
          option: 'client',
          message: expect.stringMatching(
            /^Invalid @yunpian-kit\/redis options: client: got nothing; is required, or url: a Redis store needs client/,
          ),
        }),
      )
    } finally {
      client.disconnect()
    }
  })

  it('never echoes a password from a refused URL', () => {
    const error = (() => {
      try {
        new RedisThrottleStore({ url: 'htp://user:s3cret@example.com:6379' })
      } catch (e) {
        return e as Error
      }
    })()
    expect(error?.message).toContain('htp://…@example.com:6379')
    expect(error?.message).not.toContain('s3cret')
  })

  it('names host:port, without the password, when Redis cannot be reached through a URL', async () => {
    const port = await closedPort()
    const store = new RedisThrottleStore({ url: `redis://:hunter2@127.0.0.1:${port}`, timeoutMs: 1_000 })
    try {
      const error = await failure(store.consume('k', rules))
      expect(error).toBeInstanceOf(StoreError)
      expect(error.message).toMatch(new RegExp(`^Redis at 127\\.0\\.0\\.1:${port} (failed|did not answer)`))
      expect(error.message).not.toContain('hunter2')
    } finally {
      await store.close()
    }
  })

  it('names host:port of an ioredis client passed in', async () => {
    const port = await closedPort()
    const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 })
    redis.on('error', () => undefined)
    const store = new RedisThrottleStore({ client: redis, timeoutMs: 1_000 })
    try {
      const error = await failure(store.consume('k', rules))
      expect(error.message).toMatch(new RegExp(`^Redis at 127\\.0\\.0\\.1:${port} `))
    } finally {
      redis.disconnect()
    }
  })
})
