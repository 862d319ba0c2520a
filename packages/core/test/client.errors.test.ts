import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import {
  kindOfCode,
  YunpianApiError,
  YunpianClient,
  type YunpianErrorKind,
  YunpianTimeoutError,
  YunpianTransportError,
} from '../src/index.js'
import { rejection, setup } from './helpers.js'

const SIGNED = '【Acme】Your verification code is 123456.'

describe('Yunpian’s error envelope becomes YunpianApiError', () => {
  it('a wrong apikey is code −1, kind auth', async () => {
    const { client } = await setup({ apikey: 'b'.repeat(32) }, { apikey: 'c'.repeat(32) })
    const error = await rejection(client.sms.singleSend({ mobile: '13800138000', text: SIGNED }))
    expect(error).toBeInstanceOf(YunpianApiError)
    expect(error).toMatchObject({ code: -1, kind: 'auth', httpStatus: 400, endpoint: 'sms/single_send' })
  })

  it('a missing signature is code 16, kind content, with Yunpian’s detail', async () => {
    const { client } = await setup()
    const error = (await rejection(
      client.sms.singleSend({ mobile: '13800138000', text: 'no signature' }),
    )) as YunpianApiError
    expect(error).toMatchObject({ code: 16, kind: 'content' })
    expect(error.detail).toContain('签名')
  })

  it('an unapproved text is code 5; a template outside its countries is 23; an unsupported country 20', async () => {
    const { client } = await setup({
      countries: ['GB', 'US', 'SG'],
      templates: [{ text: '【Acme】Your code is #code#', countries: ['GB'] }],
    })
    expect(
      await rejection(client.sms.singleSend({ mobile: '13800138000', text: '【Acme】hello' })),
    ).toMatchObject({
      code: 5,
      kind: 'content',
    })
    expect(
      await rejection(client.sms.singleSend({ mobile: '+6581234567', text: '【Acme】Your code is 1234' })),
    ).toMatchObject({ code: 23, kind: 'recipient' })
    expect(
      await rejection(client.sms.singleSend({ mobile: '+93701234567', text: '【Acme】Your code is 1234' })),
    ).toMatchObject({ code: 20, kind: 'recipient' })
  })

  it('the same content twice within 30 s is code 8, a fourth time in 5 min is 9', async () => {
    const { fake, client } = await setup({ now: 0 })
    const send = () => client.sms.singleSend({ mobile: '13800138000', text: SIGNED })
    await send()
    expect(await rejection(send())).toMatchObject({ code: 8, kind: 'rate_limited' })
    fake.advance(31_000)
    await send()
    fake.advance(31_000)
    await send()
    fake.advance(31_000)
    expect(await rejection(send())).toMatchObject({ code: 9, kind: 'rate_limited' })
    fake.advance(300_000)
    await send()
    expect(fake.outbox.size).toBe(4)
  })

  it('anti-bombing answers 33 with msg null, then 22 and 17', async () => {
    const { fake, client } = await setup({ now: 0, rules: { antiBombing: true } })
    const send = (n: number) =>
      client.sms.singleSend({ mobile: '13800138000', text: `【Acme】Your code is ${n}` })
    await send(1)
    const e33 = (await rejection(send(2))) as YunpianApiError
    expect(e33).toMatchObject({ code: 33, kind: 'rate_limited', msg: null })
    expect(e33.detail).not.toBe('')
    fake.advance(31_000)
    await send(3)
    fake.advance(31_000)
    await send(4)
    fake.advance(31_000)
    expect(await rejection(send(5))).toMatchObject({ code: 22, kind: 'rate_limited' })
    for (let i = 0; i < 2; i++) {
      fake.advance(3_600_000)
      await send(10 + 3 * i)
      fake.advance(31_000)
      await send(11 + 3 * i)
      fake.advance(31_000)
      await send(12 + 3 * i)
    }
    fake.advance(3_600_000)
    await send(50) // the tenth in 24 h
    fake.advance(31_000)
    expect(await rejection(send(99))).toMatchObject({ code: 17, kind: 'rate_limited' })
    expect(fake.outbox.size).toBe(10)
  })

  it('maps every documented code to its kind, and unknown codes to unknown', () => {
    const table: [number, YunpianErrorKind][] = [
      [1, 'invalid_request'],
      [2, 'invalid_request'],
      [3, 'account'],
      [4, 'content'],
      [5, 'content'],
      [7, 'content'],
      [8, 'rate_limited'],
      [9, 'rate_limited'],
      [10, 'recipient'],
      [15, 'content'],
      [16, 'content'],
      [17, 'rate_limited'],
      [18, 'content'],
      [20, 'recipient'],
      [22, 'rate_limited'],
      [23, 'recipient'],
      [25, 'invalid_request'],
      [33, 'rate_limited'],
      [43, 'rate_limited'],
      [48, 'invalid_request'],
      [52, 'content'],
      [53, 'rate_limited'],
      [56, 'invalid_request'],
      [58, 'invalid_request'],
      [60, 'content'],
      [-1, 'auth'],
      [-2, 'auth'],
      [-3, 'auth'],
      [-4, 'rate_limited'],
      [-5, 'rate_limited'],
      [-6, 'invalid_request'],
      [-11, 'account'],
      [-50, 'server'],
      [-51, 'server'],
      [-53, 'server'],
      [-57, 'content'],
      [-99, 'server'],
      [99, 'unknown'],
      [-20, 'unknown'],
    ]
    for (const [code, kind] of table) expect([code, kindOfCode(code)]).toEqual([code, kind])
  })
})

describe('answers that are not Yunpian’s JSON become YunpianTransportError', () => {
  it.each(['http-500', 'http-502'] as const)('%s with an HTML page', async (kind) => {
    const { fake, client } = await setup()
    fake.fault(kind)
    const error = await rejection(client.sms.singleSend({ mobile: '13800138000', text: SIGNED }))
    expect(error).toBeInstanceOf(YunpianTransportError)
    expect(error).toMatchObject({ requestSent: true, statusCode: kind === 'http-500' ? 500 : 502 })
    expect(error.message).toContain('text/html')
  })

  it('malformed JSON: sent, answer unreadable, not retried', async () => {
    const { fake, client } = await setup()
    fake.fault('malformed-json')
    const error = await rejection(client.sms.singleSend({ mobile: '13800138000', text: SIGNED }))
    expect(error).toBeInstanceOf(YunpianTransportError)
    expect(error).toMatchObject({ requestSent: true, statusCode: 200 })
    expect(fake.outbox.size).toBe(1)
  })

  it('a hang becomes YunpianTimeoutError after timeoutMs', async () => {
    const { fake, client } = await setup({}, { timeoutMs: 150 })
    fake.fault('hang')
    const started = performance.now()
    const error = await rejection(client.sms.singleSend({ mobile: '13800138000', text: SIGNED }))
    expect(error).toBeInstanceOf(YunpianTimeoutError)
    expect(error).toMatchObject({ requestSent: true, timeoutMs: 150 })
    expect(performance.now() - started).toBeLessThan(2_000)
  })

  it('latency under the timeout is only slower', async () => {
    const { fake, client } = await setup({}, { timeoutMs: 2_000 })
    fake.fault('latency', { latencyMs: 100 })
    await expect(client.sms.singleSend({ mobile: '13800138000', text: SIGNED })).resolves.toMatchObject({
      code: 0,
    })
  })

  it('a caller’s AbortSignal stops the call, typed and not retried', async () => {
    const { fake, client } = await setup()
    fake.fault('hang')
    const error = await rejection(
      client.sms.singleSend({ mobile: '13800138000', text: SIGNED }, { signal: AbortSignal.timeout(50) }),
    )
    expect(error.name).toBe('YunpianAbortError')
    expect(error).toBeInstanceOf(YunpianTransportError)
    expect(fake.calls.get('sms/single_send')).toBe(1)
  })

  it('a JSON answer of the wrong shape is a transport error, not a half-typed result', async () => {
    const server = await answering(200, '{"code":0,"msg":"ok","sid":1}')
    const client = new YunpianClient({ apikey: 'a'.repeat(32), baseUrl: server.url })
    const error = await rejection(client.sms.singleSend({ mobile: '13800138000', text: SIGNED }))
    expect(error).toBeInstanceOf(YunpianTransportError)
    expect(error.message).toMatch(/unexpected shape \((count|fee|unit|mobile)/)
    await client.close()
    await server.close()
  })

  it('an empty body is a transport error', async () => {
    const server = await answering(200, '')
    const client = new YunpianClient({ apikey: 'a'.repeat(32), baseUrl: server.url, retries: 0 })
    expect(await rejection(client.user.get())).toBeInstanceOf(YunpianTransportError)
    await client.close()
    await server.close()
  })
})

/** A real HTTP server on loopback that answers every request with one status and body. */
async function answering(status: number, body: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
