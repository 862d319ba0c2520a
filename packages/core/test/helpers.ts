import { type FakeYunpian, type FakeYunpianOptions, startFakeYunpian } from '@yunpian-kit/testing'
import { afterEach } from 'vitest'
import { YunpianClient, type YunpianClientOptions } from '../src/index.js'

const opened: { close(): Promise<void> }[] = []

afterEach(async () => {
  await Promise.all(opened.splice(0).map((x) => x.close()))
})

/** A fake Yunpian on loopback and a client pointed at it, both closed after the test. */
export async function setup(
  fakeOptions: FakeYunpianOptions = {},
  clientOptions: Partial<YunpianClientOptions> = {},
): Promise<{ fake: FakeYunpian; client: YunpianClient }> {
  const fake = await startFakeYunpian(fakeOptions)
  const client = new YunpianClient({
    apikey: fake.apikey,
    baseUrl: fake.url,
    retryDelayMs: 5,
    ...clientOptions,
  })
  opened.push(client, fake)
  return { fake, client }
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the call to fail, but it succeeded')
}

/** The error `fn` throws; fails the test when it throws none. */
export function thrown(fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the call to throw, but it returned')
}

/** A clock that moves only when told: hand `now` to the stores, `advance` in the test. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let now = start
  return {
    now: () => now,
    advance: (ms) => {
      now += ms
    },
  }
}
