import 'reflect-metadata'
import { request } from 'node:http'
import { Controller, Get, Module, UseGuards } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { MemoryThrottleStore } from '@yunpian-kit/core'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { OtpThrottle, OtpThrottleGuard, YunpianModule } from '../src/index.js'

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await x.close()
})

const HOUR = 3_600_000

/** One request from a loopback source address of its own (127.0.0.0/8 is all loopback): a distinct client. */
function from(localAddress: string, url: string, method = 'GET', body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        localAddress,
        agent: false,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

describe('review: @OtpThrottle keys are a flood, not budgets (NestJS, real HTTP)', () => {
  it('distinct clients on a guarded route of the app cannot shed the OTP send budgets from the shared store', async () => {
    const fake = await startFakeYunpian()
    opened.push(fake)
    @Controller('page')
    @UseGuards(OtpThrottleGuard)
    class PageController {
      @Get()
      @OtpThrottle([{ name: 'page-1min', limit: 10, windowMs: 60_000 }])
      page() {
        return { ok: true }
      }
    }
    @Module({
      imports: [
        YunpianModule.forRoot({
          client: { apikey: fake.apikey, baseUrl: fake.url },
          throttle: new MemoryThrottleStore({ maxKeys: 1_000 }),
          otp: {
            secret: 'nest-secret-nest-secret-nest-secret-nest!',
            message: ({ code }: { code: string }) => `【Acme】Your code is ${code}.`,
            countries: ['GB'],
            limits: { global: [{ name: 'global-1h', limit: 2, windowMs: HOUR }] },
          },
          routes: {},
        }),
      ],
      controllers: [PageController],
    })
    class AppModule {}
    const app = await NestFactory.create(AppModule, new ExpressAdapter(), { logger: false })
    opened.push(app)
    await app.listen(0, '127.0.0.1')
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')
    const send = (mobile: string, client: string) => from(client, `${url}/otp/send`, 'POST', { mobile })

    expect(await send('+447400123456', '127.0.0.2')).toBe(202)
    expect(await send('+447400123457', '127.0.0.3')).toBe(202)
    expect(await send('+447400123458', '127.0.0.4')).toBe(429) // the global budget is spent
    expect(await send('+447400123456', '127.0.0.5')).toBe(429) // and the number is in its cooldown
    // 1,200 distinct clients each load the guarded page once: more keys than the store holds.
    for (let i = 0; i < 1_200; i++) {
      expect(await from(`127.1.${i >> 8}.${i & 255}`, `${url}/page`)).toBe(200)
    }
    expect(await send('+447400123458', '127.0.0.6')).toBe(429)
    expect(await send('+447400123456', '127.0.0.7')).toBe(429)
    expect(fake.outbox.size).toBe(2)
  })
})
