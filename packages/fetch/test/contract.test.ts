import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { describeAdapterContract } from '@yunpian-kit/adapter-contract'
import { Hono } from 'hono'
import { problemHandler, type YunpianEnv, yunpian, yunpianOtp, yunpianReports } from '../src/hono/index.js'
import { clientKeyFromAddress, yunpianHandler } from '../src/index.js'
import { addresses, serveHandler } from './node-server.js'

describeAdapterContract('web-standard handler behind node:http', (setup) =>
  serveHandler(
    yunpianHandler({
      otp: setup.otp,
      routes: {
        prefix: setup.prefix,
        clientKey: (request) => clientKeyFromAddress(addresses.get(request)),
        onVerified: setup.onVerified,
      },
      webhook: { ...setup.webhook },
      report: () => {},
    }),
  ),
)

describeAdapterContract('Hono on @hono/node-server', async (setup) => {
  const app = new Hono<YunpianEnv>()
  app.use(yunpian({ client: setup.client, otp: setup.otp }))
  app.route(
    setup.prefix,
    yunpianOtp({
      clientKey: (c) => clientKeyFromAddress(getConnInfo(c).remote.address),
      onVerified: setup.onVerified,
      report: () => {},
    }),
  )
  app.route(setup.webhook.path, yunpianReports({ ...setup.webhook, report: () => {} }))
  app.onError(problemHandler({ report: () => {} }))
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
})
