import { OtpService, type OtpServiceOptions, YunpianClient } from '@yunpian-kit/core'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { afterEach } from 'vitest'

export const UK = '+447400123456'

/** What a test opened, closed after it (newest first). */
export const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await x.close()
})

/** A fake Yunpian, a client on it and an OTP service for GB numbers, all closed after the test. */
export async function services(limits: OtpServiceOptions['limits'] = {}) {
  const fake = await startFakeYunpian()
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url, retries: 0 })
  opened.push(fake, client)
  const otp = new OtpService({
    client,
    secret: 'fetch-secret-fetch-secret-fetch-secret!!',
    message: ({ code }) => `【Acme】Your code is ${code}.`,
    countries: ['GB'],
    limits,
  })
  return { fake, client, otp }
}
