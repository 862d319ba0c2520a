// What the Nest tests share: what each test opened (closed after it), the fake Yunpian, OTP options and an app.
import 'reflect-metadata'
import { Module } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { type FakeYunpian, startFakeYunpian } from '@yunpian-kit/testing'
import { afterEach } from 'vitest'

/** The `otp` options of a module that serves GB. */
export const otpOptions = {
  secret: 'nest-secret-nest-secret-nest-secret-nest!',
  message: ({ code }: { code: string }) => `【Acme】Your code is ${code}.`,
  countries: ['GB'] as string[],
}

/**
 * For a test file: `opened` takes what a test opens, closed after each test, last opened first;
 * `fake()` starts a fake Yunpian that is closed the same way.
 */
export function closedAfterEach() {
  const opened: { close(): Promise<void> }[] = []
  afterEach(async () => {
    for (const x of opened.splice(0).reverse()) await x.close()
  })
  const fake = async (): Promise<FakeYunpian> => {
    const f = await startFakeYunpian()
    opened.push(f)
    return f
  }
  return { opened, fake }
}

/** A Nest app on Express with these imports, controllers and providers, listening on a loopback port. */
export async function bootApp(imports: unknown[], controllers: unknown[] = [], providers: unknown[] = []) {
  @Module({
    imports: imports as never[],
    providers: providers as never[],
    controllers: controllers as never[],
  })
  class AppModule {}
  const app = await NestFactory.create(AppModule, new ExpressAdapter(), {
    logger: false,
    abortOnError: false,
  })
  await app.listen(0, '127.0.0.1')
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')
  return { app, url }
}
