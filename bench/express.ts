import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { otpRouter, yunpian } from '@yunpian-kit/express'
import express from 'express'
import type { BenchResult } from './harness.js'
import { BARE_TEXT, type BenchApp, benchServices, compareRoutes } from './http.js'

async function listen(app: express.Express): Promise<BenchApp> {
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

export async function benchExpress(): Promise<BenchResult[]> {
  const services = await benchServices()
  const ours = express()
  ours.use(yunpian({ client: services.client, otp: services.otp }))
  ours.use('/otp', otpRouter())
  const bare = express()
  bare.post('/bare', express.json(), async (req, res) => {
    await services.client.sms.singleSend({ mobile: req.body.mobile, text: BARE_TEXT })
    res.status(202).json({ status: 'sent' })
  })
  bare.post('/hello', express.json(), (_req, res) => {
    res.status(202).json({ status: 'sent' })
  })
  const [a, b] = await Promise.all([listen(ours), listen(bare)])
  try {
    return await compareRoutes('Express', a, b)
  } finally {
    await a.close()
    await b.close()
    await services.close()
  }
}
