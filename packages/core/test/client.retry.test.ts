import { createServer } from 'node:net'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { describe, expect, it } from 'vitest'
import { type RetryEvent, YunpianApiError, YunpianClient, YunpianTransportError } from '../src/index.js'
import { rejection, setup } from './helpers.js'

const SIGNED = '【Acme】Your verification code is 123456.'

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('retries: never a second SMS', () => {
  it('a connection reset after Yunpian read the send is not retried: exactly one SMS', async () => {
    const retries: RetryEvent[] = []
    const { fake, client } = await setup({}, { retries: 5, onRetry: (e) => retries.push(e) })
    fake.fault('reset-after-request')
    const error = await rejection(client.sms.singleSend({ mobile: '13800138000', text: SIGNED }))
    expect(error).toBeInstanceOf(YunpianTransportError)
    expect((error as YunpianTransportError).requestSent).toBe(true)
    expect(retries).toEqual([])
    expect(fake.outbox.size).toBe(1)
    expect(fake.calls.get('sms/single_send')).toBe(1)
  })

  it('a reset before Yunpian read it is still not retried for a send: the bytes were written', async () => {
    const { fake, client } = await setup({}, { retries: 5 })
    fake.fault('reset-before-request')
    const error = await rejection(client.sms.singleSend({ mobile: '13800138000', text: SIGNED }))
    expect(error).toMatchObject({ requestSent: true })
    expect(fake.calls.get('sms/single_send')).toBe(1)
    expect(fake.outbox.size).toBe(0)
  })

  it('a send is not retried on −51 or a 502 either', async () => {
    const { fake, client } = await setup({}, { retries: 5 })
    fake.fault('system-busy')
    expect(await rejection(client.sms.singleSend({ mobile: '13800138000', text: SIGNED }))).toMatchObject({
      code: -51,
    })
    fake.fault('http-502')
    expect(await rejection(client.sms.singleSend({ mobile: '13800138000', text: SIGNED }))).toMatchObject({
      statusCode: 502,
    })
    expect(fake.calls.get('sms/single_send')).toBe(2)
  })

  it('under a lasting share of post-read resets, 200 sends never yield more SMS than successes plus failures', async () => {
    const { fake, client } = await setup({ rules: false }, { retries: 3 })
    fake.fault('reset-after-request', { ratio: 0.3 })
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        client.sms.singleSend({ mobile: '13800138000', text: `${SIGNED} ${i}` }),
      ),
    )
    const texts = fake.outbox.all().map((m) => m.text)
    expect(new Set(texts).size).toBe(texts.length) // no text delivered twice
    expect(fake.calls.get('sms/single_send')).toBe(200) // one call per send
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThan(200)
  })

  it('a send whose connection was refused before any byte was written is retried and lands once', async () => {
    const port = await closedPort()
    let fake: Awaited<ReturnType<typeof startFakeYunpian>> | undefined
    const retries: RetryEvent[] = []
    const client = new YunpianClient({
      apikey: 'fa4e0000000000000000000000000000',
      baseUrl: `http://127.0.0.1:${port}`,
      retries: 2,
      retryDelayMs: 400,
      onRetry: (event) => {
        retries.push(event)
        // Yunpian comes back while the client waits to retry.
        void startFakeYunpian({ port }).then((f) => {
          fake = f
        })
      },
    })
    const result = await client.sms.singleSend({ mobile: '13800138000', text: SIGNED })
    expect(result.code).toBe(0)
    expect(retries).toHaveLength(1)
    expect(retries[0]).toMatchObject({ endpoint: 'sms/single_send', attempt: 1 })
    expect((retries[0]!.error as YunpianTransportError).requestSent).toBe(false)
    expect(fake?.outbox.size).toBe(1)
    await client.close()
    await fake?.close()
  })

  it('gives up after `retries` attempts, reporting requestSent false', async () => {
    const port = await closedPort()
    const retries: RetryEvent[] = []
    const client = new YunpianClient({
      apikey: 'a'.repeat(32),
      baseUrl: `http://127.0.0.1:${port}`,
      retries: 2,
      retryDelayMs: 1,
      onRetry: (e) => retries.push(e),
    })
    const error = await rejection(client.sms.singleSend({ mobile: '13800138000', text: SIGNED }))
    expect(error).toMatchObject({ requestSent: false })
    expect(error.message).toContain('ECONNREFUSED')
    expect(error.message).toContain('nothing was sent')
    expect(retries.map((r) => r.attempt)).toEqual([1, 2])
    await client.close()
  })
})

describe('reads are retried', () => {
  it.each(['system-busy', 'http-502', 'reset-after-request', 'malformed-json', 'hang'] as const)(
    'getRecord after %s',
    async (kind) => {
      const retries: RetryEvent[] = []
      const { fake, client } = await setup(
        {},
        { retries: 2, timeoutMs: 200, onRetry: (e) => retries.push(e) },
      )
      await client.sms.singleSend({ mobile: '13800138000', text: SIGNED })
      fake.fault(kind, { endpoint: 'sms/get_record' })
      const records = await client.sms.getRecord({
        startTime: new Date(Date.now() - 60_000),
        endTime: new Date(Date.now() + 60_000),
      })
      expect(retries).toHaveLength(1)
      expect(fake.calls.get('sms/get_record')).toBe(2)
      expect(records).toHaveLength(1)
    },
  )

  it('pullStatus after system-busy (Yunpian answered, nothing was taken)', async () => {
    const { fake, client } = await setup({}, { retries: 2 })
    await client.sms.singleSend({ mobile: '13800138000', text: SIGNED })
    fake.fault('system-busy', { endpoint: 'sms/pull_status' })
    expect(await client.sms.pullStatus()).toHaveLength(1)
    expect(fake.calls.get('sms/pull_status')).toBe(2)
  })

  // pull_* deletes what it returns: after a lost answer the page may be gone, and the caller must know.
  it.each(['http-502', 'reset-after-request', 'malformed-json', 'hang'] as const)(
    'pullStatus after %s is not retried: the error says the request was sent',
    async (kind) => {
      const { fake, client } = await setup({}, { retries: 2, timeoutMs: 200 })
      await client.sms.singleSend({ mobile: '13800138000', text: SIGNED })
      fake.fault(kind, { endpoint: 'sms/pull_status' })
      const error = await rejection(client.sms.pullStatus())
      expect(error).toBeInstanceOf(YunpianTransportError)
      expect(error).toMatchObject({ requestSent: true })
      expect(fake.calls.get('sms/pull_status')).toBe(1)
    },
  )

  it('user.get gives up after retries with the last error', async () => {
    const { fake, client } = await setup({}, { retries: 2 })
    fake.fault('system-busy', { times: 3 })
    const error = await rejection(client.user.get())
    expect(error).toBeInstanceOf(YunpianApiError)
    expect(fake.calls.get('user/get')).toBe(3)
  })

  it('retries: 0 turns retrying off', async () => {
    const { fake, client } = await setup({}, { retries: 0 })
    fake.fault('system-busy')
    await rejection(client.user.get())
    expect(fake.calls.get('user/get')).toBe(1)
  })
})
