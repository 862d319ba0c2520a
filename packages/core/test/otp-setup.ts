import { type FakeYunpian, type FakeYunpianOptions, startFakeYunpian } from '@yunpian-kit/testing'
import { afterEach } from 'vitest'
import {
  MemoryBrakeStore,
  type MemoryBrakeStoreOptions,
  MemoryOtpStore,
  type MemoryOtpStoreOptions,
  type MemoryStoreOptions,
  MemoryThrottleStore,
  type OtpEvent,
  OtpService,
  type OtpServiceOptions,
  YunpianClient,
} from '../src/index.js'
import { manualClock } from './helpers.js'

export const SECRET = 'test-secret-of-at-least-32-bytes-long!!'
export const NUMBERS = { UK: '+447400123456', SG: '+6591234567' } as const
export const message = ({ code, ttlMinutes }: { code: string; ttlMinutes: number }) =>
  `【Acme】Your code is ${code}. It expires in ${ttlMinutes} minutes.`

/** A code of the same length that is certainly not `code`. */
export const wrongFor = (code: string) => code.replace(/\d$/, (d) => String((Number(d) + 1) % 10))

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((x) => x.close()))
})

/** Records every key and value a store is given, in front of the real memory store. */
export function recording<S extends object>(store: S, log: string[]): S {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        log.push(`${String(prop)} ${JSON.stringify(args)}`)
        return value.apply(target, args)
      }
    },
  })
}

/**
 * An OtpService on memory stores and one manual clock (the service's `now`), against a fake Yunpian on loopback. `stores` sizes the
 * memory stores; `throttleStore` and `codeStore` are the stores themselves (the service gets recording
 * proxies of them, whose calls land in `storeLog`).
 */
export async function setup(
  options: Partial<OtpServiceOptions> = {},
  fakeOptions: FakeYunpianOptions = {},
  stores: {
    throttle?: MemoryStoreOptions
    codes?: MemoryOtpStoreOptions
    brake?: MemoryBrakeStoreOptions
  } = {},
) {
  const clock = manualClock()
  const fake: FakeYunpian = await startFakeYunpian({ now: clock.now, ...fakeOptions })
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url, retries: 0 })
  opened.push(client, fake)
  const events: OtpEvent[] = []
  const storeLog: string[] = []
  const throttleStore = new MemoryThrottleStore({ now: clock.now, ...stores.throttle })
  const codeStore = new MemoryOtpStore({ now: clock.now, ...stores.codes })
  const brakeStore = new MemoryBrakeStore(stores.brake)
  const otp = new OtpService({
    client,
    now: clock.now,
    brakeStore,
    throttle: recording(throttleStore, storeLog),
    codes: recording(codeStore, storeLog),
    secret: SECRET,
    message,
    countries: ['GB', 'SG', 'CN'],
    onEvent: (e) => events.push(e),
    ...options,
  })
  const codeOf = (mobile: string) => fake.outbox.lastCode(mobile)!
  return { fake, client, otp, clock, events, storeLog, codeOf, throttleStore, codeStore, brakeStore }
}
