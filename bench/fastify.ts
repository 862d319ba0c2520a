import { yunpianPlugin } from '@yunpian-kit/fastify'
import Fastify from 'fastify'
import type { BenchResult } from './harness.js'
import { BARE_TEXT, benchServices, compareRoutes } from './http.js'

export async function benchFastify(): Promise<BenchResult[]> {
  const services = await benchServices()
  const ours = Fastify()
  await ours.register(yunpianPlugin, { client: services.client, otp: services.otp })
  const bare = Fastify()
  bare.post('/bare', async (request, reply) => {
    await services.client.sms.singleSend({
      mobile: (request.body as { mobile: string }).mobile,
      text: BARE_TEXT,
    })
    return reply.code(202).send({ status: 'sent' })
  })
  bare.post('/hello', async (_request, reply) => reply.code(202).send({ status: 'sent' }))
  const [a, b] = [
    await ours.listen({ port: 0, host: '127.0.0.1' }),
    await bare.listen({ port: 0, host: '127.0.0.1' }),
  ]
  try {
    return await compareRoutes(
      'Fastify',
      { url: a, close: () => ours.close() },
      { url: b, close: () => bare.close() },
    )
  } finally {
    await ours.close()
    await bare.close()
    await services.close()
  }
}
