import { OtpService, YunpianClient, YunpianOptionsError } from '@yunpian-kit/core'
import { startFakeYunpian } from '@yunpian-kit/testing'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { yunpianPlugin } from '../src/index.js'

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await x.close()
})

const message = ({ code }: { code: string }) => `【Acme】Your code is ${code}.`
const otpOptions = {
  secret: 'fastify-secret-fastify-secret-fastify!!',
  message,
  countries: ['GB'] as string[],
}

async function fake() {
  const f = await startFakeYunpian()
  opened.push(f)
  return f
}

describe('@yunpian-kit/fastify', () => {
  it('creates what it is given options for, decorates app.yunpian, and closes only what it created', async () => {
    const f = await fake()
    const app = Fastify()
    await app.register(yunpianPlugin, {
      client: { apikey: f.apikey, baseUrl: f.url },
      otp: otpOptions,
      routes: false,
    })
    await app.ready()
    expect((await app.yunpian.client.user.get()).balance).toBe(1000)
    const created = app.yunpian.client
    await app.close()
    await expect(created.user.get()).rejects.toThrow() // closed with the app

    const mine = new YunpianClient({ apikey: f.apikey, baseUrl: f.url })
    opened.push(mine)
    const second = Fastify()
    await second.register(yunpianPlugin, {
      client: mine,
      otp: new OtpService({ client: mine, ...otpOptions }),
      routes: false,
    })
    await second.close()
    expect((await mine.user.get()).balance).toBe(1000) // not ours to close
  })

  it('a second registration fails with a clear error', async () => {
    const f = await fake()
    const app = Fastify()
    const options = { client: { apikey: f.apikey, baseUrl: f.url }, otp: otpOptions, routes: false as const }
    await app.register(yunpianPlugin, options)
    app.register(yunpianPlugin, options)
    await expect(app.ready()).rejects.toThrow(/already registered/)
    await app.close().catch(() => undefined)
  })

  it('wrong options fail register, naming the option', async () => {
    const f = await fake()
    for (const [options, option, pattern] of [
      [
        { client: { apikey: 'short' }, otp: otpOptions },
        'apikey',
        /^Invalid YunpianClient options: apikey: got a string of 5 characters \(redacted\); must be/,
      ],
      [
        { client: { apikey: f.apikey }, otp: { ...otpOptions, countries: undefined } },
        'countries',
        /^Invalid OtpService options: countries: got nothing; /,
      ],
      [
        { client: { apikey: f.apikey }, otp: otpOptions, webhook: { secret: 'short', onStatus: () => {} } },
        'webhook.secret',
        /^Invalid @yunpian-kit\/fastify yunpianPlugin options: webhook\.secret: got a string of 5 characters \(redacted\); must be/,
      ],
      [
        { client: 42, otp: otpOptions },
        'client',
        'Invalid @yunpian-kit/fastify yunpianPlugin options: client: got 42; must be a YunpianClient or its options',
      ],
    ] as const) {
      const app = Fastify()
      app.register(yunpianPlugin, options as never)
      const error = await app.ready().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(YunpianOptionsError)
      expect(error).toMatchObject({
        option,
        message: typeof pattern === 'string' ? pattern : expect.stringMatching(pattern),
      })
      await app.close().catch(() => undefined)
    }
  })

  it('its form parser is scoped to its routes: the app’s own routes are untouched', async () => {
    const f = await fake()
    const app = Fastify()
    await app.register(yunpianPlugin, {
      client: { apikey: f.apikey, baseUrl: f.url },
      otp: otpOptions,
      webhook: { secret: 's'.repeat(20), onStatus: () => {} },
    })
    app.post('/mine', async () => ({ ok: true }))
    const response = await app.inject({
      method: 'POST',
      url: '/mine',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1',
    })
    expect(response.statusCode).toBe(415)
    const sent = await app.inject({
      method: 'POST',
      url: '/otp/send',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `mobile=${encodeURIComponent('+447400123456')}`,
    })
    expect(sent.statusCode).toBe(202)
    await app.close()
  })
})
