// The Express example: OTP routes, the reports webhook, a status log and the login page.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { otpRouter, problemHandler, reportsWebhook, yunpian } from '@yunpian-kit/express'
import express from 'express'
import { createServices, type ExampleOptions } from './config.js'
import { LOGIN_PAGE } from './page.js'

export async function startExpress(options: ExampleOptions) {
  const services = await createServices(options)
  const app = express()
  app.set('trust proxy', 'loopback')
  app.use(yunpian({ client: services.client, otp: services.otp }))
  app.use('/otp', otpRouter({ onVerified: (mobile) => services.say(`express: ${mobile} verified`) }))
  app.use(services.webhook.path, reportsWebhook(services.webhook))
  app.get('/status', (_req, res) => {
    res.json(services.statusLog)
  })
  const { admin } = services
  if (admin) app.use('/admin', (req, res, next) => void admin(req, res, req.url).catch(next))
  app.get('/', (_req, res) => {
    res.type('html').send(LOGIN_PAGE)
  })
  app.use(problemHandler())
  const server = app.listen(options.port, '127.0.0.1')
  await once(server, 'listening')
  return {
    name: 'Express',
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    services,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await services.close()
    },
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const running = await startExpress({ port: Number(process.env.PORT ?? 3001) })
  console.log(
    `Express example on ${running.url} (${running.services.yunpian}, ${running.services.stores} stores)`,
  )
  if (running.services.admin) console.log(`Admin page on ${running.url}/admin (loopback only)`)
}
