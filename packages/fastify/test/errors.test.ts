import { expectOptionsError } from '@yunpian-kit/adapter-contract'
import { startFakeYunpian } from '@yunpian-kit/testing'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { yunpianPlugin } from '../src/index.js'

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await x.close()
})

const otp = {
  secret: 'fastify-secret-fastify-secret-fastify!!',
  message: ({ code }: { code: string }) => `【Acme】Your code is ${code}.`,
  countries: ['GB'],
}

async function appWith(problemHandler?: boolean) {
  const fake = await startFakeYunpian()
  opened.push(fake)
  const app = Fastify({ logger: false })
  opened.push(app)
  await app.register(yunpianPlugin, {
    client: { apikey: fake.apikey, baseUrl: fake.url },
    otp,
    routes: false,
    ...(problemHandler === undefined ? {} : { problemHandler }),
  })
  app.post('/login', async () => {
    await app.yunpian.otp.send({ mobile: '+33612345678', clientKey: 'c' })
  })
  return app
}

describe('@yunpian-kit/fastify errors and route limits', () => {
  it('problemHandler: false leaves the toolkit’s errors to Fastify', async () => {
    const on = await (await appWith()).inject({ method: 'POST', url: '/login' })
    expect(on.statusCode).toBe(403)
    expect(on.headers['content-type']).toMatch(/problem\+json/)
    const off = await (await appWith(false)).inject({ method: 'POST', url: '/login' })
    expect(off.statusCode).toBe(500)
    expect(off.headers['content-type']).not.toMatch(/problem\+json/)
  })

  it('a route’s own errorHandler wins', async () => {
    const app = await appWith()
    app.post('/own', { errorHandler: (_e, _r, reply) => reply.code(418).send('mine') }, async () => {
      await app.yunpian.otp.send({ mobile: '+33612345678', clientKey: 'c' })
    })
    const r = await app.inject({ method: 'POST', url: '/own' })
    expect(r.statusCode).toBe(418)
  })

  it('config.otpThrottle with wrong rules fails when the route is declared, naming the route', async () => {
    const app = await appWith()
    expectOptionsError(
      () => app.post('/x', { config: { otpThrottle: { rules: [] } } }, async () => 'x'),
      'config.otpThrottle.rules',
      /^Invalid @yunpian-kit\/fastify route \/x options: config\.otpThrottle\.rules: got an array of 0; must be a non-empty list/,
    )
  })
})
