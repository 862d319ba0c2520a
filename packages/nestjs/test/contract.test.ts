import 'reflect-metadata'
import { Body, Controller, HttpCode, Inject, Module, Post, UseGuards } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import {
  type AdapterSetup,
  APP_ROUTE_LIMIT,
  type AppParser,
  describeAdapterContract,
} from '@yunpian-kit/adapter-contract'
import express, { type RequestHandler } from 'express'
import type { FastifyInstance } from 'fastify'
import {
  OtpService,
  OtpThrottle,
  OtpThrottleGuard,
  YunpianModule,
  type YunpianModuleOptions,
} from '../src/index.js'

/** The app's own routes, as a user writes them. */
@Controller('app')
class AppController {
  constructor(@Inject(OtpService) private readonly otp: OtpService) {}

  @Post('login')
  async login(@Body() body: { mobile: string }) {
    await this.otp.send({ mobile: body.mobile, clientKey: 'app' })
    return { ok: true }
  }

  @Post('crash')
  crash() {
    throw new Error('boom')
  }
}

const expressParsers: Record<AppParser, RequestHandler> = {
  text: express.text({ type: '*/*' }),
  raw: express.raw({ type: '*/*' }),
  urlencoded: express.urlencoded({ extended: false }),
  json: express.json(),
}

/** App-wide parsers as a Nest app on Fastify adds them (on the instance, before the routes). */
function addFastifyParser(app: FastifyInstance, kind: AppParser): void {
  const form = 'application/x-www-form-urlencoded'
  if (kind === 'json') return
  if (app.hasContentTypeParser(form)) app.removeContentTypeParser(form)
  app.addContentTypeParser(form, { parseAs: kind === 'raw' ? 'buffer' : 'string' }, (_r, body, done) =>
    done(null, kind === 'urlencoded' ? Object.fromEntries(new URLSearchParams(body as string)) : body),
  )
}

async function nestApp(
  setup: AdapterSetup,
  platform: 'express' | 'fastify',
  style: 'async' | 'sync' = 'async',
) {
  const { path, dedupe, ...webhook } = setup.webhook
  const options: YunpianModuleOptions = {
    client: setup.client,
    otp: setup.otp,
    dedupe,
    routes: { onVerified: setup.onVerified, rateLimitHeaders: setup.rateLimitHeaders },
    webhook,
  }
  @Controller('app')
  class LimitedController {
    @Post('limited')
    @HttpCode(200)
    @UseGuards(OtpThrottleGuard)
    @OtpThrottle(APP_ROUTE_LIMIT.rules, {
      key: (request) => APP_ROUTE_LIMIT.key(request.headers),
      skip: (request) => APP_ROUTE_LIMIT.skip(request.headers),
    })
    limited() {
      return { ok: true }
    }
  }
  @Module({
    imports: [
      style === 'sync'
        ? YunpianModule.forRoot({ ...options, mount: { otp: setup.prefix, webhook: path } })
        : YunpianModule.forRootAsync({
            useFactory: () => options,
            mount: { otp: setup.prefix, webhook: path },
          }),
    ],
    controllers: [AppController, LimitedController],
  })
  class AppModule {}
  const app = await NestFactory.create(
    AppModule,
    platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
    { logger: false, abortOnError: false },
  )
  if (setup.appParser && platform === 'express') app.use(expressParsers[setup.appParser])
  if (setup.appParser && platform === 'fastify') {
    // Nest adds its JSON and form parsers at init; the app's own replaces its form parser after that.
    await app.init()
    addFastifyParser(app.getHttpAdapter().getInstance() as FastifyInstance, setup.appParser)
  }
  await app.listen(0, '127.0.0.1')
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')
  return { url, close: () => app.close() }
}

const features = { appRoutes: true }
describeAdapterContract('NestJS 11 on platform-express', (setup) => nestApp(setup, 'express'), features)
describeAdapterContract('NestJS 11 on platform-fastify', (setup) => nestApp(setup, 'fastify'), features)
describeAdapterContract(
  'NestJS 11, forRoot, on platform-express',
  (setup) => nestApp(setup, 'express', 'sync'),
  features,
)
