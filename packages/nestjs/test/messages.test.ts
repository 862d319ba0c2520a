// Zero-config mistakes name what is missing instead of Nest's "Cannot convert undefined or null to object".
import 'reflect-metadata'
import { Module } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { expectOptionsError } from '@yunpian-kit/adapter-contract'
import { describe, expect, it } from 'vitest'
import { YunpianModule, type YunpianModuleOptions } from '../src/index.js'

describe('YunpianModule messages', () => {
  it('forRoot() says it needs { client, otp }', () => {
    expectOptionsError(
      () => YunpianModule.forRoot(undefined as never),
      'client',
      '@yunpian-kit/nestjs: YunpianModule.forRoot needs { client, otp }; got undefined',
    )
  })

  it('forRoot({ client }) names the missing otp', () => {
    expectOptionsError(
      () => YunpianModule.forRoot({ client: { apikey: 'x' } } as never),
      'otp',
      '@yunpian-kit/nestjs: YunpianModule.forRoot needs { client, otp }; missing otp',
    )
  })

  it('forRootAsync() says it needs a factory', () => {
    expectOptionsError(
      () => YunpianModule.forRootAsync(undefined as never),
      'useFactory',
      /^@yunpian-kit\/nestjs: YunpianModule.forRootAsync needs \{ useFactory \}.*got undefined$/,
    )
  })

  it('a factory that returns nothing fails the boot naming what is missing', async () => {
    @Module({
      imports: [
        YunpianModule.forRootAsync({ useFactory: () => undefined as unknown as YunpianModuleOptions }),
      ],
    })
    class AppModule {}
    await expect(
      NestFactory.create(AppModule, new ExpressAdapter(), { logger: false, abortOnError: false }),
    ).rejects.toThrow("YunpianModule.forRootAsync's factory needs { client, otp }; got undefined")
  })
})
