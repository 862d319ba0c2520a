import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { describeAdapterContract } from '@yunpian-kit/adapter-contract'
import express from 'express'
import { otpRouter, problemHandler, reportsWebhook, yunpian } from '../src/index.js'

describeAdapterContract('Express 5', async (setup) => {
  const app = express()
  app.use(yunpian({ client: setup.client, otp: setup.otp }))
  app.use(setup.prefix, otpRouter({ onVerified: setup.onVerified, report: () => {} }))
  app.use(setup.webhook.path, reportsWebhook({ ...setup.webhook, report: () => {} }))
  app.use(problemHandler({ report: () => {} }))
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
})
