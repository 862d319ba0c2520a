import 'reflect-metadata'
import { Module } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { type AdapterSetup, describeAdapterContract } from '@yunpian-kit/adapter-contract'
import { YunpianModule } from '../src/index.js'

async function nestApp(
  setup: AdapterSetup,
  platform: 'express' | 'fastify',
  style: 'async' | 'sync' = 'async',
) {
  const options = {
    client: setup.client,
    otp: setup.otp,
    dedupe: setup.webhook.dedupe,
    routes: { onVerified: setup.onVerified },
    webhook: { ...setup.webhook },
  }
  @Module({
    imports: [
      style === 'sync'
        ? YunpianModule.forRoot({
            ...options,
            routes: { ...options.routes, prefix: setup.prefix },
            webhook: { ...options.webhook, path: setup.webhook.path },
          })
        : YunpianModule.forRootAsync({
            useFactory: () => ({
              client: setup.client,
              otp: setup.otp,
              dedupe: setup.webhook.dedupe,
              routes: { onVerified: setup.onVerified },
              webhook: { ...setup.webhook },
            }),
            routes: { prefix: setup.prefix },
            webhook: { path: setup.webhook.path },
          }),
    ],
  })
  class AppModule {}
  const app = await NestFactory.create(
    AppModule,
    platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
    {
      logger: false,
      abortOnError: false,
    },
  )
  await app.listen(0, '127.0.0.1')
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')
  return { url, close: () => app.close() }
}

describeAdapterContract('NestJS 11 on platform-express', (setup) => nestApp(setup, 'express'))
describeAdapterContract('NestJS 11 on platform-fastify', (setup) => nestApp(setup, 'fastify'))
describeAdapterContract('NestJS 11, forRoot, on platform-express', (setup) =>
  nestApp(setup, 'express', 'sync'),
)
