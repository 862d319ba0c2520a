// Paths are extras (`mount`), handlers are options: the builder keeps them apart, and the guard's refusals
// are HttpExceptions an app's own filter can read.
import 'reflect-metadata'
import {
  type ArgumentsHost,
  Catch,
  Controller,
  type ExceptionFilter,
  Get,
  HttpException,
  UseFilters,
  UseGuards,
} from '@nestjs/common'
import { expectOptionsError } from '@yunpian-kit/adapter-contract'
import { OtpRateLimitedError } from '@yunpian-kit/core'
import type { FakeYunpian } from '@yunpian-kit/testing'
import type { Response } from 'express'
import { describe, expect, it } from 'vitest'
import {
  OtpThrottle,
  OtpThrottleException,
  OtpThrottleGuard,
  YUNPIAN_MODULE_OPTIONS,
  YunpianModule,
  type YunpianModuleOptions,
} from '../src/index.js'
import { bootApp, closedAfterEach, otpOptions as otp } from './nest-app.js'

const { opened, fake } = closedAfterEach()

const SECRET = 'webhook-secret-0123456789abcdef'

async function boot(imports: unknown[], controllers: unknown[] = []) {
  const { app, url } = await bootApp(imports, controllers)
  opened.push(app)
  const post = async (path: string, body: object = { mobile: '+447400123456' }) =>
    (
      await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).status
  return { app, url, post }
}

const options = (f: FakeYunpian): YunpianModuleOptions => ({
  client: { apikey: f.apikey, baseUrl: f.url },
  otp,
  routes: { purpose: 'signup' },
  webhook: { secret: SECRET, onStatus: () => {} },
})

describe('YunpianModule mount', () => {
  it('forRoot mounts what it is given at the default paths; the options provider holds the options as given', async () => {
    const f = await fake()
    const given = options(f)
    const { app, post } = await boot([YunpianModule.forRoot({ ...given, isGlobal: true })])
    expect(await post('/otp/send')).toBe(202)
    expect(f.outbox.size).toBe(1)
    expect(await post(`/yunpian/reports/${SECRET}`, {})).not.toBe(404)
    // The extras stay out of the options; routes and webhook are the handlers, untouched.
    const held = app.get<YunpianModuleOptions & { mount?: unknown }>(YUNPIAN_MODULE_OPTIONS)
    expect(held.routes).toBe(given.routes)
    expect(held.webhook).toBe(given.webhook)
    expect(held).not.toHaveProperty('mount')
    expect(held).not.toHaveProperty('isGlobal')
  })

  it('forRoot: mount moves the routes, or keeps one unmounted', async () => {
    const f = await fake()
    const { post } = await boot([
      YunpianModule.forRoot({ ...options(f), mount: { otp: '/auth/codes/', webhook: false } }),
    ])
    expect(await post('/auth/codes/send')).toBe(202)
    expect(await post('/otp/send')).toBe(404)
    expect(await post(`/yunpian/reports/${SECRET}`, {})).toBe(404)
  })

  it('forRootAsync mounts only what mount names: true is the default path', async () => {
    const f = await fake()
    const { post } = await boot([
      YunpianModule.forRootAsync({ useFactory: async () => options(f), mount: { otp: true } }),
    ])
    expect(await post('/otp/send')).toBe(202)
    expect(await post(`/yunpian/reports/${SECRET}`, {})).toBe(404)
  })

  it('says where routes.prefix and webhook.path went, and refuses an empty mount path', () => {
    expectOptionsError(
      () =>
        YunpianModule.forRoot({ client: { apikey: 'a'.repeat(32) }, otp, routes: { prefix: 'x' } } as never),
      'routes.prefix',
      /routes\.prefix moved to the mount extra/,
    )
    const moved =
      /routes\.prefix and webhook\.path moved to the mount extra: mount: \{ otp: 'otp', webhook: 'yunpian\/reports' \}/
    expect(() =>
      YunpianModule.forRoot({
        client: { apikey: 'a'.repeat(32) },
        otp,
        routes: { prefix: 'otp' },
        webhook: { secret: SECRET, path: 'hooks' },
      } as never),
    ).toThrow(moved)
    expect(() =>
      YunpianModule.forRootAsync({
        useFactory: () => ({ client: { apikey: 'a'.repeat(32) }, otp }),
        routes: { prefix: 'otp' },
        webhook: { path: 'hooks' },
      } as never),
    ).toThrow(moved)
    expectOptionsError(
      () => YunpianModule.forRoot({ client: { apikey: 'a'.repeat(32) }, otp, mount: { otp: '/' } }),
      'mount.otp',
      /mount\.otp: got "\/" \(1 characters\); must be a path such as 'otp', true \(for 'otp'\) or false/,
    )
  })
})

describe('OtpThrottleGuard refusals', () => {
  it('are HttpExceptions carrying the 429 problem document, its headers and the toolkit error', async () => {
    const f = await fake()
    const seen: unknown[] = []
    /** An app's own filter, as it would be written for @nestjs/throttler's ThrottlerException. */
    @Catch(HttpException)
    class AppFilter implements ExceptionFilter {
      catch(exception: HttpException, host: ArgumentsHost) {
        seen.push(exception)
        const headers = exception instanceof OtpThrottleException ? exception.headers : {}
        host
          .switchToHttp()
          .getResponse<Response>()
          .status(exception.getStatus())
          .set(headers)
          .send(JSON.stringify(exception.getResponse()))
      }
    }
    @Controller('mine')
    @UseGuards(OtpThrottleGuard)
    @UseFilters(AppFilter)
    class MineController {
      @Get()
      @OtpThrottle([{ name: 'one-a-minute', limit: 1, windowMs: 60_000 }])
      get() {
        return { ok: true }
      }
    }
    const { url } = await boot(
      [YunpianModule.forRoot({ client: { apikey: f.apikey, baseUrl: f.url }, otp })],
      [MineController],
    )
    expect((await fetch(`${url}/mine`)).status).toBe(200)
    const refused = await fetch(`${url}/mine`)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(refused.headers.get('ratelimit-policy')).toBe('"one-a-minute";q=1;w=60')
    expect(await refused.json()).toMatchObject({ type: 'urn:yunpian-kit:problem:rate_limited', status: 429 })

    const exception = seen[0] as OtpThrottleException
    expect(exception).toBeInstanceOf(HttpException)
    expect(exception).toBeInstanceOf(OtpThrottleException)
    expect(exception.getStatus()).toBe(429)
    expect(exception.cause).toBeInstanceOf(OtpRateLimitedError)
    expect(exception.headers['retry-after']).toBe(refused.headers.get('retry-after'))
  })
})
