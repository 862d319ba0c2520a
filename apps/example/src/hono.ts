// The Hono example: the middleware, the OTP and webhook sub-apps, a status log and the login page, on Node.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { clientKeyFromAddress } from '@yunpian-kit/fetch'
import { problemHandler, type YunpianEnv, yunpian, yunpianOtp, yunpianReports } from '@yunpian-kit/fetch/hono'
import { type Context, Hono } from 'hono'
import { createServices, type ExampleOptions } from './config.js'
import { LOGIN_PAGE } from './page.js'

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

/**
 * Like Express's `trust proxy: loopback`: `X-Forwarded-For` counts only when the request came through a
 * proxy on this machine (its last entry is the address that proxy saw); otherwise the socket's address.
 */
function clientKey(c: Context): string {
  const address = getConnInfo(c).remote.address
  const forwarded = address && LOOPBACK.has(address) ? c.req.header('x-forwarded-for') : undefined
  return clientKeyFromAddress(forwarded?.split(',').at(-1)?.trim() || address)
}

export async function startHono(options: ExampleOptions) {
  const services = await createServices(options)
  const app = new Hono<YunpianEnv>()
  app.use(yunpian({ client: services.client, otp: services.otp }))
  app.route(
    '/otp',
    yunpianOtp({ clientKey, onVerified: (mobile) => services.say(`hono: ${mobile} verified`) }),
  )
  app.route(services.webhook.path, yunpianReports(services.webhook))
  app.get('/status', (c) => c.json(services.statusLog))
  app.get('/', (c) => c.html(LOGIN_PAGE))
  app.onError(problemHandler())
  const server = serve({ fetch: app.fetch, port: options.port, hostname: '127.0.0.1' })
  await once(server, 'listening')
  return {
    name: 'Hono',
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    services,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await services.close()
    },
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const running = await startHono({ port: Number(process.env.PORT ?? 3004) })
  console.log(
    `Hono example on ${running.url} (${running.services.yunpian}, ${running.services.stores} stores)`,
  )
}
