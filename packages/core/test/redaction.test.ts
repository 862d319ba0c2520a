import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { YunpianClient } from '../src/index.js'
import { rejection, setup } from './helpers.js'

const APIKEY = '5ec2e7000000000000000000000beef5'

/** Every way an error or client may be turned into text by an app or a logger. */
function renderings(value: unknown): string[] {
  const error = value as Error & { cause?: unknown }
  return [
    String(value),
    JSON.stringify(value),
    inspect(value, { depth: 10, showHidden: true }),
    error?.stack ?? '',
    error?.cause ? inspect(error.cause, { depth: 10, showHidden: true }) : '',
  ]
}

describe('the apikey never leaves the request body', () => {
  it('is not in the client when inspected or serialized', () => {
    const client = new YunpianClient({ apikey: APIKEY })
    for (const text of renderings(client)) expect(text).not.toContain(APIKEY)
  })

  it('is not in API errors, even when Yunpian echoes it', async () => {
    const { fake, client } = await setup({ apikey: 'f'.repeat(32) }, { apikey: APIKEY })
    const error = await rejection(client.sms.singleSend({ mobile: '13800138000', text: '【A】hi' }))
    for (const text of renderings(error)) expect(text).not.toContain(APIKEY)
    expect(fake.calls.get('sms/single_send')).toBe(1)
  })

  it('is not in transport, timeout or validation errors, nor in retry events', async () => {
    const seen: unknown[] = []
    const { fake, client } = await setup(
      { apikey: APIKEY },
      { apikey: APIKEY, timeoutMs: 100, onRetry: (e) => seen.push(e) },
    )
    fake.fault('http-502')
    seen.push(await rejection(client.sms.singleSend({ mobile: '13800138000', text: '【A】hi' })))
    fake.fault('hang')
    seen.push(await rejection(client.sms.singleSend({ mobile: '13800138000', text: '【A】hi 2' })))
    fake.fault('system-busy')
    await client.user.get()
    seen.push(await rejection(client.sms.singleSend({ mobile: 'nope', text: '' })))
    expect(() => new YunpianClient({ apikey: `${APIKEY}x` })).toThrow()
    try {
      new YunpianClient({ apikey: `${APIKEY}x` })
    } catch (error) {
      seen.push(error)
    }
    expect(seen.length).toBeGreaterThanOrEqual(4)
    for (const value of seen) for (const text of renderings(value)) expect(text).not.toContain(APIKEY)
  })

  it('is never in a URL: the request line carries only the endpoint path', async () => {
    const { fake, client } = await setup({ apikey: APIKEY }, { apikey: APIKEY })
    await client.sms.singleSend({ mobile: '13800138000', text: '【A】hi' })
    expect(client.baseUrl).not.toContain(APIKEY)
    expect([...fake.calls.keys()]).toEqual(['sms/single_send'])
  })
})
