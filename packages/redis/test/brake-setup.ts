// The brake tests' setup on Redis: a connection per client under test, and an OtpService on a RedisBrakeStore
// against the fake Yunpian, whose clock is the service's.
import { type OtpEvent, OtpService, type OtpServiceOptions, YunpianClient } from '@yunpian-kit/core'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { afterAll, beforeAll } from 'vitest'
import type { RedisBrakeStore, RedisClientLike } from '../src/index.js'
import { CLIENTS, type ClientUnderTest } from './clients.js'

/** Connects `CLIENTS[name]` before the calling describe block's tests and closes it after. */
export function connectionFor(name: string): { readonly client: RedisClientLike } {
  let connection: ClientUnderTest | undefined
  beforeAll(async () => {
    connection = await CLIENTS[name]!()
  })
  afterAll(async () => {
    await connection?.close()
  })
  return {
    get client() {
      if (!connection) throw new Error(`${name} is not connected yet: read the client inside a test`)
      return connection.client
    },
  }
}

export interface BrakeServiceOptions {
  /** The brake's thresholds; the service's defaults when left out. */
  brake?: OtpServiceOptions['brake']
  countries?: OtpServiceOptions['countries']
  limits?: OtpServiceOptions['limits']
  /** The share of the fake's delivery reports that say delivered. */
  successRatio?: number | undefined
}

/** An OtpService braking on `store`, with a fake Yunpian started at a fixed time; `close` stops both. */
export async function brakeService(store: RedisBrakeStore, options: BrakeServiceOptions = {}) {
  const fake = await startFakeYunpian({
    now: 1_700_000_000_000,
    reports: { successRatio: options.successRatio ?? 1 },
  })
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url, retries: 0 })
  const events: OtpEvent[] = []
  const otp = new OtpService({
    client,
    secret: 'a-secret-of-at-least-thirty-two-bytes!!!',
    message: ({ code }) => `【Acme】Your code is ${code}.`,
    countries: options.countries ?? ['GB'],
    now: fake.now,
    ...(options.brake ? { brake: options.brake } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    brakeStore: store,
    onEvent: (e) => events.push(e),
  })
  const close = async () => {
    await client.close()
    await fake.close()
  }
  return { otp, fake, client, events, close }
}
