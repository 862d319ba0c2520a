// The NestJS example: YunpianModule with its routes and webhook, a status log and the login page.
import 'reflect-metadata'
import { pathToFileURL } from 'node:url'
import { Controller, Get, Header, Inject, Module } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express'
import { YunpianModule } from '@yunpian-kit/nestjs'
import { createServices, type ExampleOptions, type ExampleServices } from './config.js'
import { LOGIN_PAGE } from './page.js'

const SERVICES = Symbol('example services')

@Controller()
class PagesController {
  constructor(@Inject(SERVICES) private readonly services: ExampleServices) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page() {
    return LOGIN_PAGE
  }

  @Get('status')
  status() {
    return this.services.statusLog
  }
}

export async function startNest(options: ExampleOptions) {
  const services = await createServices(options)
  const { path, secret, apikey, onStatus } = services.webhook
  @Module({
    imports: [
      YunpianModule.forRoot({
        client: services.client,
        otp: services.otp,
        dedupe: services.webhook.dedupe,
        routes: { onVerified: (mobile) => services.say(`nestjs: ${mobile} verified`) },
        webhook: { secret, apikey, onStatus },
        mount: { otp: 'otp', webhook: path },
      }),
    ],
    controllers: [PagesController],
    providers: [{ provide: SERVICES, useValue: services }],
  })
  class AppModule {}
  const app = await NestFactory.create<NestExpressApplication>(AppModule, new ExpressAdapter(), {
    logger: ['error', 'warn'],
  })
  app.set('trust proxy', 'loopback')
  await app.listen(options.port, '127.0.0.1')
  return {
    name: 'NestJS',
    url: (await app.getUrl()).replace('[::1]', '127.0.0.1'),
    services,
    async close() {
      await app.close()
      await services.close()
    },
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const running = await startNest({ port: Number(process.env.PORT ?? 3003) })
  console.log(
    `NestJS example on ${running.url} (${running.services.yunpian}, ${running.services.stores} stores)`,
  )
}
