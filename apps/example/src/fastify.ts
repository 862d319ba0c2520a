// The Fastify example: the plugin with its routes and webhook, a status log and the login page.
import { pathToFileURL } from 'node:url'
import { yunpianPlugin } from '@yunpian-kit/fastify'
import Fastify from 'fastify'
import { createServices, type ExampleOptions } from './config.js'
import { LOGIN_PAGE } from './page.js'

export async function startFastify(options: ExampleOptions) {
  const services = await createServices(options)
  const app = Fastify({ trustProxy: '127.0.0.1' })
  await app.register(yunpianPlugin, {
    client: services.client,
    otp: services.otp,
    routes: { prefix: '/otp', onVerified: (mobile) => app.log.info(`fastify: ${mobile} verified`) },
    webhook: services.webhook,
  })
  app.get('/status', async () => services.statusLog)
  app.get('/', async (_request, reply) => reply.type('text/html').send(LOGIN_PAGE))
  app.addHook('onClose', () => services.close())
  const url = await app.listen({ port: options.port, host: '127.0.0.1' })
  return { name: 'Fastify', url, services, close: () => app.close() }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const running = await startFastify({ port: Number(process.env.PORT ?? 3002) })
  console.log(
    `Fastify example on ${running.url} (${running.services.yunpian}, ${running.services.stores} stores)`,
  )
}
