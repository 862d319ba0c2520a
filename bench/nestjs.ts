import 'reflect-metadata'
import { Controller, HttpCode, Inject, Module, Post, Req } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { YunpianClient } from '@yunpian-kit/core'
import { YunpianModule } from '@yunpian-kit/nestjs'
import type { BenchResult } from './harness.js'
import { BARE_TEXT, benchServices, compareRoutes } from './http.js'

/** `POST /otp/send` through YunpianModule beside a bare Nest controller calling singleSend (platform-express). */
export async function benchNest(): Promise<BenchResult[]> {
  const services = await benchServices()

  @Module({
    imports: [
      YunpianModule.forRoot({
        client: services.client,
        otp: services.otp,
        routes: {},
        mount: { otp: 'otp' },
      }),
    ],
  })
  class OursModule {}

  @Controller('bare')
  class BareController {
    constructor(@Inject(YunpianClient) private readonly client: YunpianClient) {}
    @Post()
    @HttpCode(202)
    async send(@Req() req: { body: { mobile: string } }) {
      await this.client.sms.singleSend({ mobile: req.body.mobile, text: BARE_TEXT })
      return { status: 'sent' }
    }
  }
  @Controller('hello')
  class HelloController {
    @Post()
    @HttpCode(202)
    hello() {
      return { status: 'sent' }
    }
  }
  @Module({
    controllers: [BareController, HelloController],
    providers: [{ provide: YunpianClient, useValue: services.client }],
  })
  class BareModule {}

  const ours = await NestFactory.create(OursModule, new ExpressAdapter(), { logger: false })
  const bare = await NestFactory.create(BareModule, new ExpressAdapter(), { logger: false })
  await ours.listen(0, '127.0.0.1')
  await bare.listen(0, '127.0.0.1')
  const url = async (app: typeof ours) => (await app.getUrl()).replace('[::1]', '127.0.0.1')
  try {
    return await compareRoutes(
      'NestJS (platform-express)',
      { url: await url(ours), close: () => ours.close() },
      { url: await url(bare), close: () => bare.close() },
    )
  } finally {
    await ours.close()
    await bare.close()
    await services.close()
  }
}
