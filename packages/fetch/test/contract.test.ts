import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { APP_ROUTE_LIMIT, type AppParser, describeAdapterContract } from '@yunpian-kit/adapter-contract'
import { Hono, type MiddlewareHandler } from 'hono'
import {
  otpThrottle,
  problemHandler,
  type YunpianEnv,
  yunpian,
  yunpianOtp,
  yunpianReports,
} from '../src/hono/index.js'
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
        rateLimitHeaders: setup.rateLimitHeaders,
      },
      webhook: { ...setup.webhook },
      report: () => {},
    }),
  ),
)

/** App-wide body reading as Hono apps do it: a middleware that reads the body through `c.req` first. */
const appParsers: Record<AppParser, MiddlewareHandler> = {
  text: async (c, next) => {
    await c.req.text()
    await next()
  },
  raw: async (c, next) => {
    await c.req.arrayBuffer()
    await next()
  },
  urlencoded: async (c, next) => {
    await c.req.parseBody()
    await next()
  },
  json: async (c, next) => {
    if (c.req.header('content-type')?.startsWith('application/json')) await c.req.json().catch(() => {})
    await next()
  },
}

describeAdapterContract(
  'Hono on @hono/node-server',
  async (setup) => {
    const app = new Hono<YunpianEnv>()
    if (setup.appParser) app.use(appParsers[setup.appParser])
    app.use(yunpian({ client: setup.client, otp: setup.otp }))
    app.route(
      setup.prefix,
      yunpianOtp({
        clientKey: (c) => clientKeyFromAddress(getConnInfo(c).remote.address),
        onVerified: setup.onVerified,
        rateLimitHeaders: setup.rateLimitHeaders,
        report: () => {},
      }),
    )
    app.route(setup.webhook.path, yunpianReports({ ...setup.webhook, report: () => {} }))
    // The app's own routes, as a user writes them.
    app.post('/app/login', async (c) => {
      const { mobile } = await c.req.json<{ mobile: string }>()
      await c.var.yunpian.otp.send({ mobile, clientKey: 'app' })
      return c.json({ ok: true })
    })
    app.post(
      '/app/limited',
      otpThrottle(APP_ROUTE_LIMIT.rules, {
        clientKey: (c) => clientKeyFromAddress(getConnInfo(c).remote.address),
        key: (c) => APP_ROUTE_LIMIT.key(Object.fromEntries(c.req.raw.headers)),
        skip: (c) => APP_ROUTE_LIMIT.skip(Object.fromEntries(c.req.raw.headers)),
        report: () => {},
      }),
      (c) => c.json({ ok: true }),
    )
    app.post('/app/crash', () => {
      throw new Error('boom')
    })
    // Hono's own handler would print the stack: a quiet 500 for the test's `boom`.
    app.onError(
      problemHandler({ report: () => {}, fallback: (_error, c) => c.text('Internal Server Error', 500) }),
    )
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    await once(server, 'listening')
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    }
  },
  { appRoutes: true },
)
