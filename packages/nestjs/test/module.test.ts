import 'reflect-metadata'
import { Controller, Get, Inject, Injectable, Module, UseGuards } from '@nestjs/common'
import { describe, expect, it } from 'vitest'
import {
  OtpService,
  OtpThrottle,
  OtpThrottleGuard,
  YUNPIAN_THROTTLE_STORE,
  YunpianClient,
  YunpianModule,
  type YunpianModuleOptions,
} from '../src/index.js'
import { bootApp, closedAfterEach, otpOptions } from './nest-app.js'

const { opened, fake } = closedAfterEach()

/** A service of the app's own that injects what the module provides. */
@Injectable()
class Greeter {
  constructor(
    @Inject(YunpianClient) readonly client: YunpianClient,
    @Inject(OtpService) readonly otp: OtpService,
  ) {}
}

const boot = (imports: unknown[], controllers: unknown[] = []) => bootApp(imports, controllers, [Greeter])

describe('YunpianModule', () => {
  it('forRoot: the client and OTP service are injectable; a client it created is closed on shutdown', async () => {
    const f = await fake()
    const { app } = await boot([
      YunpianModule.forRoot({ client: { apikey: f.apikey, baseUrl: f.url }, otp: otpOptions }),
    ])
    const greeter = app.get(Greeter)
    expect(greeter.client).toBeInstanceOf(YunpianClient)
    expect(greeter.otp).toBeInstanceOf(OtpService)
    expect((await greeter.client.user.get()).balance).toBe(1000)
    await greeter.otp.send({ mobile: '+447400123456', clientKey: 'c' })
    expect(f.outbox.size).toBe(1)
    await app.close()
    await expect(greeter.client.user.get()).rejects.toThrow()
  })

  it('forRootAsync with useFactory, useClass and useExisting; a client passed in stays open', async () => {
    const f = await fake()
    const client = new YunpianClient({ apikey: f.apikey, baseUrl: f.url })
    opened.push(client)
    const options: YunpianModuleOptions = { client, otp: otpOptions }

    @Injectable()
    class OptionsFactory {
      create(): YunpianModuleOptions {
        return options
      }
    }
    @Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
    class ConfigModule {}

    for (const dynamic of [
      YunpianModule.forRootAsync({ useFactory: async () => options }),
      YunpianModule.forRootAsync({ useClass: OptionsFactory }),
      YunpianModule.forRootAsync({ imports: [ConfigModule], useExisting: OptionsFactory }),
    ]) {
      const { app } = await boot([dynamic])
      expect(app.get(Greeter).client).toBe(client)
      await app.close()
      expect((await client.user.get()).balance).toBe(1000) // not the module's to close
    }
  })

  it('isGlobal makes the services injectable in modules that do not import it', async () => {
    const f = await fake()
    @Module({ providers: [Greeter], exports: [Greeter] })
    class FeatureModule {}
    const { app } = await boot([
      YunpianModule.forRoot({
        client: { apikey: f.apikey, baseUrl: f.url },
        otp: otpOptions,
        isGlobal: true,
      }),
      FeatureModule,
    ])
    expect(app.select(FeatureModule).get(Greeter).otp).toBeInstanceOf(OtpService)
    await app.close()
  })

  it('@OtpThrottle guards the app’s own routes with the same store, answering 429 problem documents', async () => {
    const f = await fake()
    @Controller('mine')
    @UseGuards(OtpThrottleGuard)
    class MineController {
      @Get('named')
      @OtpThrottle('two-a-minute')
      named() {
        return { ok: true }
      }
      @Get('inline')
      @OtpThrottle([{ name: 'one', limit: 1, windowMs: 60_000 }])
      inline() {
        return { ok: true }
      }
      @Get('free')
      free() {
        return { ok: true }
      }
    }
    const { app, url } = await boot(
      [
        YunpianModule.forRoot({
          client: { apikey: f.apikey, baseUrl: f.url },
          otp: otpOptions,
          throttleRules: { 'two-a-minute': [{ name: 'two-a-minute', limit: 2, windowMs: 60_000 }] },
        }),
      ],
      [MineController],
    )
    const statuses = async (path: string, n: number) => {
      const out: number[] = []
      for (let i = 0; i < n; i++) out.push((await fetch(`${url}${path}`)).status)
      return out
    }
    expect(await statuses('/mine/named', 3)).toEqual([200, 200, 429])
    expect(await statuses('/mine/inline', 2)).toEqual([200, 429])
    expect(await statuses('/mine/free', 3)).toEqual([200, 200, 200])
    const refused = await fetch(`${url}/mine/inline`)
    expect(refused.headers.get('content-type')).toMatch(/problem\+json/)
    expect(refused.headers.get('ratelimit-policy')).toBe('"one";q=1;w=60')
    expect(app.get(YUNPIAN_THROTTLE_STORE)).toBeDefined()
    await app.close()
  })

  it('a wrong option fails at start-up, naming it', async () => {
    const f = await fake()
    await expect(
      boot([
        YunpianModule.forRoot({
          client: { apikey: f.apikey, baseUrl: f.url },
          otp: { ...otpOptions, countries: undefined as never },
        }),
      ]),
    ).rejects.toThrow(expect.objectContaining({ name: 'YunpianOptionsError', option: 'countries' }))
    await expect(
      boot([
        YunpianModule.forRoot({
          client: { apikey: f.apikey },
          otp: otpOptions,
          webhook: { secret: 'short', onStatus: () => {} },
        }),
      ]),
    ).rejects.toThrow(
      expect.objectContaining({
        name: 'YunpianOptionsError',
        option: 'webhook.secret',
        message:
          'Invalid @yunpian-kit/nestjs YunpianModule options: webhook.secret: got a string of 5 characters (redacted); must be a string of at least 16 characters, hard to guess',
      }),
    )
  })
})
