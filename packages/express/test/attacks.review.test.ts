import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { OtpService, YunpianClient } from '@yunpian-kit/core'
import { startFakeYunpian } from '@yunpian-kit/testing'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { otpRouter, yunpian } from '../src/index.js'

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await x.close()
})

describe('review: one client cannot spend every IPv4 client’s budget (Express, real HTTP)', () => {
  it('behind a proxy that writes IPv4 clients as ::FFFF:a.b.c.d, each keeps a budget of its own', async () => {
    const fake = await startFakeYunpian()
    const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })
    opened.push(fake, client)
    const otp = new OtpService({
      client,
      secret: 'express-secret-express-secret-express-secret',
      message: ({ code }) => `【Acme】Your code is ${code}.`,
      countries: ['GB'],
    })
    const app = express()
    app.set('trust proxy', 'loopback')
    app.use(yunpian({ client, otp }))
    app.use('/otp', otpRouter())
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    opened.push({ close: () => new Promise((r) => server.close(() => r())) })
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/otp/verify`
    const verify = async (forwardedFor: string) =>
      (
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
          body: JSON.stringify({ mobile: '+447400123456', code: '000000' }),
        })
      ).status
    const attacker = []
    for (let i = 0; i < 12; i++) attacker.push(await verify('::FFFF:198.51.100.7'))
    expect(attacker.slice(-2)).toEqual([429, 429])
    expect(await verify('::FFFF:203.0.113.9')).toBe(401)
    expect(await verify('0:0:0:0:0:ffff:192.0.2.44')).toBe(401)
  })
})
