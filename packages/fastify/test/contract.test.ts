import { describeAdapterContract } from '@yunpian-kit/adapter-contract'
import Fastify from 'fastify'
import { yunpianPlugin } from '../src/index.js'

describeAdapterContract('Fastify 5', async (setup) => {
  const app = Fastify({ logger: false })
  await app.register(yunpianPlugin, {
    client: setup.client,
    otp: setup.otp,
    routes: { prefix: setup.prefix, onVerified: setup.onVerified },
    webhook: { ...setup.webhook },
  })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url, close: () => app.close() }
})
