import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { APP_ROUTE_LIMIT, type AppParser, describeAdapterContract } from '@yunpian-kit/adapter-contract'
import express, { type RequestHandler } from 'express'
import { otpRouter, otpThrottle, problemHandler, reportsWebhook, yunpian } from '../src/index.js'

const parsers: Record<AppParser, RequestHandler> = {
  text: express.text({ type: '*/*' }),
  raw: express.raw({ type: '*/*' }),
  urlencoded: express.urlencoded({ extended: false }),
  json: express.json(),
}

describeAdapterContract(
  'Express 5',
  async (setup) => {
    const app = express()
    if (setup.appParser) app.use(parsers[setup.appParser])
    app.use(yunpian({ client: setup.client, otp: setup.otp }))
    app.use(
      setup.prefix,
      otpRouter({ onVerified: setup.onVerified, rateLimitHeaders: setup.rateLimitHeaders, report: () => {} }),
    )
    app.use(setup.webhook.path, reportsWebhook({ ...setup.webhook, report: () => {} }))
    // The app's own routes, as a user writes them.
    app.post('/app/login', express.json(), async (req, res) => {
      await req.yunpian!.otp.send({ mobile: req.body.mobile, clientKey: 'app' })
      res.json({ ok: true })
    })
    app.post(
      '/app/limited',
      otpThrottle(APP_ROUTE_LIMIT.rules, {
        key: (req) => APP_ROUTE_LIMIT.key(req.headers),
        skip: (req) => APP_ROUTE_LIMIT.skip(req.headers),
        report: () => {},
      }),
      (_req, res) => {
        res.json({ ok: true })
      },
    )
    app.post('/app/crash', () => {
      throw new Error('boom')
    })
    app.use(problemHandler({ report: () => {} }))
    // Express's own handler would print the stack: a quiet 500 for the test's `boom`.
    app.use(((_error, _req, res, _next) => {
      res.status(500).type('text/plain').send('Internal Server Error')
    }) satisfies express.ErrorRequestHandler)
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    }
  },
  { appRoutes: true },
)
