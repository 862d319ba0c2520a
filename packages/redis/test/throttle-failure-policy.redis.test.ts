import {
  type StoreError,
  type ThrottleRule,
  ThrottleStoreError,
  YunpianOptionsError,
} from '@yunpian-kit/core'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer } from '../../../scripts/redis-servers.js'
import { RedisThrottleStore, type RedisThrottleStoreOptions } from '../src/index.js'

const rules: ThrottleRule[] = [{ name: 'one', limit: 1, windowMs: 60_000 }]
const keys = {
  number: 'otp:send:number:3f9a',
  client: 'otp:send:client:77b0',
  country: 'otp:send:country:GB',
  global: 'otp:send:global',
  verify: 'otp:verify:number:3f9a',
  route: 'route:login:203.0.113.9',
}

/** A Redis that has gone away: every call fails at once (no offline queue). */
let down: Redis
beforeAll(async () => {
  const server = await startRedisServer()
  down = new Redis({
    host: '127.0.0.1',
    port: server.port,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  })
  down.on('error', () => undefined)
  await server.stop()
  await new Promise<void>((resolve) => (down.status === 'ready' ? down.once('close', resolve) : resolve()))
})
afterAll(() => down.disconnect())

/** Which keys a store with this policy admits while Redis is down (the others throw `ThrottleStoreError`). */
async function admittedWhileDown(policy: RedisThrottleStoreOptions['onStoreError']): Promise<string[]> {
  const errors: StoreError[] = []
  const store = new RedisThrottleStore({ client: down, onStoreError: policy, onError: (e) => errors.push(e) })
  const admitted: string[] = []
  for (const [scope, key] of Object.entries(keys)) {
    const outcome = await store.consume(key, rules).catch((e: unknown) => e)
    if (outcome instanceof ThrottleStoreError) continue
    expect(outcome).toEqual({ allowed: true, remaining: 0 })
    admitted.push(scope)
  }
  // Every failure reaches onError, admitted or not.
  expect(errors).toHaveLength(Object.keys(keys).length)
  for (const error of errors) expect(error).toBeInstanceOf(ThrottleStoreError)
  return admitted
}

describe('store-failure policy per scope', () => {
  it('fails closed everywhere by default', async () => {
    expect(await admittedWhileDown(undefined)).toEqual([])
    expect(await admittedWhileDown('fail-closed')).toEqual([])
  })

  it('one policy for every key; verification attempts stay closed', async () => {
    expect(await admittedWhileDown('fail-open')).toEqual(['number', 'client', 'country', 'global', 'route'])
  })

  it('a policy per OtpService budget, matched on otp:send:<scope>; unnamed scopes fail closed', async () => {
    expect(await admittedWhileDown({ global: 'fail-open' })).toEqual(['global'])
    expect(
      await admittedWhileDown({ global: 'fail-open', country: 'fail-open', number: 'fail-closed' }),
    ).toEqual(['country', 'global'])
  })

  it('a function of the key, for keys of your own; it cannot open verification attempts', async () => {
    expect(
      await admittedWhileDown((key) => (key.startsWith('route:') ? 'fail-open' : 'fail-closed')),
    ).toEqual(['route'])
    expect(await admittedWhileDown(() => 'fail-open')).toEqual([
      'number',
      'client',
      'country',
      'global',
      'route',
    ])
  })

  it('refund and reset follow the same policy', async () => {
    const store = new RedisThrottleStore({ client: down, onStoreError: { global: 'fail-open' } })
    await expect(store.refund(keys.global, rules)).resolves.toBeUndefined()
    await expect(store.reset(keys.global)).resolves.toBeUndefined()
    await expect(store.refund(keys.number, rules)).rejects.toBeInstanceOf(ThrottleStoreError)
    await expect(store.reset(keys.number)).rejects.toBeInstanceOf(ThrottleStoreError)
  })

  it('refuses a policy it does not know when the store is made, not at the outage', () => {
    const make = (onStoreError: unknown) =>
      new RedisThrottleStore({ client: down, onStoreError } as RedisThrottleStoreOptions)
    const refused = (policy: unknown, option: string, message: string) => {
      expect(() => make(policy)).toThrow(YunpianOptionsError)
      expect(() => make(policy)).toThrow(expect.objectContaining({ option, message }))
    }
    refused(
      'open',
      'onStoreError',
      `Invalid RedisThrottleStore options: onStoreError: got "open" (4 characters); must be 'fail-closed' or 'fail-open'`,
    )
    refused(
      { global: 'open' },
      'onStoreError.global',
      `Invalid RedisThrottleStore options: onStoreError.global: got "open" (4 characters); must be 'fail-closed' or 'fail-open'`,
    )
    refused(
      { verify: 'fail-open' },
      'onStoreError.verify',
      'Invalid RedisThrottleStore options: onStoreError.verify: is not a scope: name send budgets (number, client, prefix, country, global); verification attempts always fail closed',
    )
    refused(
      42,
      'onStoreError',
      `Invalid RedisThrottleStore options: onStoreError: got 42; must be 'fail-closed' or 'fail-open'`,
    )
    const badFunction = new RedisThrottleStore({
      client: down,
      onStoreError: (() => 'maybe') as unknown as () => 'fail-open',
    })
    return expect(badFunction.consume(keys.global, rules)).rejects.toThrow(
      `onStoreError("otp:send:global"): got "maybe" (5 characters); must be 'fail-closed' or 'fail-open'`,
    )
  })
})
