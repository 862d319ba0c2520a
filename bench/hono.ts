import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { clientKeyFromAddress } from '@yunpian-kit/fetch'
import { type YunpianEnv, yunpian, yunpianOtp } from '@yunpian-kit/fetch/hono'
import { Hono } from 'hono'
import type { BenchResult } from './harness.js'
import { BARE_TEXT, type BenchApp, benchServices, compareRoutes } from './http.js'

async function listen(app: Hono<YunpianEnv>): Promise<BenchApp> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** Hono on @hono/node-server: `yunpianOtp()` beside a bare Hono route, both reading the body as JSON. */
export async function benchHono(): Promise<BenchResult[]> {
  const services = await benchServices()
  const ours = new Hono<YunpianEnv>()
  ours.use(yunpian({ client: services.client, otp: services.otp }))
  ours.route('/otp', yunpianOtp({ clientKey: (c) => clientKeyFromAddress(getConnInfo(c).remote.address) }))
  const bare = new Hono<YunpianEnv>()
  bare.post('/bare', async (c) => {
    const { mobile } = await c.req.json<{ mobile: string }>()
    await services.client.sms.singleSend({ mobile, text: BARE_TEXT })
    return c.json({ status: 'sent' }, 202)
  })
  bare.post('/hello', async (c) => {
    await c.req.json()
    return c.json({ status: 'sent' }, 202)
  })
  const [a, b] = await Promise.all([listen(ours), listen(bare)])
  try {
    return await compareRoutes('Hono', a, b)
  } finally {
    await a.close()
    await b.close()
    await services.close()
  }
}
