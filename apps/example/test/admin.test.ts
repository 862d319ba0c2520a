import { type FakeYunpian, startFakeYunpian } from '@yunpian-kit/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer } from '../../../scripts/redis-servers.js'
import { isLoopback, mask } from '../src/admin.js'
import { startExpress } from '../src/express.js'
import { startAdminExample, TOKEN } from './admin-setup.js'

describe('the admin page over HTTP', () => {
  let fake: FakeYunpian
  let example: Awaited<ReturnType<typeof startAdminExample>>
  const auth = { authorization: `Bearer ${TOKEN}` }
  const url = (path: string) => `${example.server.url}/admin${path}`

  beforeAll(async () => {
    fake = await startFakeYunpian()
    example = await startAdminExample(fake)
  })
  afterAll(async () => {
    await example?.server.close()
    await fake?.close()
  })

  it('is off without ADMIN_TOKEN, and refuses a short one at start-up', async () => {
    const off = await startExpress({ port: 0, env: { YUNPIAN_APIKEY: '' }, fake, quiet: true })
    try {
      expect((await fetch(`${off.url}/admin`)).status).toBe(404)
      expect((await fetch(`${off.url}/admin/api/overview`, { headers: auth })).status).toBe(404)
    } finally {
      await off.close()
    }
    await expect(
      startExpress({ port: 0, env: { YUNPIAN_APIKEY: '', ADMIN_TOKEN: 'short' }, fake, quiet: true }),
    ).rejects.toThrow(/ADMIN_TOKEN must be at least 16 characters/)
  })

  it('serves the page with a fresh script nonce each time, and a CSP that allows nothing else', async () => {
    const nonces = []
    for (let i = 0; i < 2; i++) {
      const page = await fetch(url(''))
      expect(page.status).toBe(200)
      const csp = page.headers.get('content-security-policy') ?? ''
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1]
      expect(csp).toContain("default-src 'none'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(await page.text()).toContain(`<script nonce="${nonce}">`)
      nonces.push(nonce)
    }
    expect(nonces[0]).not.toBe(nonces[1])
  })

  it('answers data only with the token: none and a wrong one (even its prefix) are 401', async () => {
    expect((await fetch(url('/api/overview'))).status).toBe(401)
    for (const wrong of [TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase(), ''])
      expect(
        (await fetch(url('/api/overview'), { headers: { authorization: `Bearer ${wrong}` } })).status,
      ).toBe(401)
    const ok = await fetch(url('/api/overview'), { headers: auth })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ countries: expect.any(Array), brakes: [], reports: [] })
  })

  it('refuses what came through a proxy, and a Host that is not this machine (DNS rebinding)', async () => {
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const proxied = await fetch(url('/api/overview'), { headers: { ...auth, [header]: '127.0.0.1' } })
      expect(proxied.status).toBe(403)
    }
    const { request } = await import('node:http')
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url('/api/overview'), { headers: { ...auth, host: 'rebound.example' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject).end()
    })
    expect(status).toBe(403)
  })

  it('releases only on an authorized JSON POST: a cross-site form (no header, text/plain) cannot', async () => {
    const form = await fetch(url('/api/release'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'country=GB&prefix=44740',
    })
    expect(form.status).toBe(401)
    const plain = await fetch(url('/api/release'), {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: '{"country":"GB","prefix":"44740"}',
    })
    expect(plain.status).toBe(415)
    const bad = await fetch(url('/api/release'), {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"country":"<script>"}',
    })
    expect(bad.status).toBe(400)
    const none = await fetch(url('/api/release'), {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"country":"GB","prefix":"44740"}',
    })
    expect(await none.json()).toEqual({ released: false })
  })

  it('with REDIS_URL, one instance shows and releases the brake a wave on another tripped', async () => {
    const redis = await startRedisServer()
    const env = { ADMIN_TOKEN: TOKEN, REDIS_URL: `redis://127.0.0.1:${redis.port}` }
    const one = await startAdminExample(fake, env)
    const other = await startAdminExample(fake, env)
    try {
      expect((await one.pumpAndTrip()).status).toBe(429)
      const overview = await fetch(`${other.server.url}/admin/api/overview`, { headers: auth })
      const data = (await overview.json()) as { brakes: unknown[]; countries: unknown[] }
      expect(data.brakes).toMatchObject([{ scope: 'prefix', country: 'GB', prefix: '44740' }])
      expect(data.countries).toMatchObject([{ country: 'GB', sent: 22, verified: 9 }])
      const release = await fetch(`${other.server.url}/admin/api/release`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ country: 'GB', prefix: '44740' }),
      })
      expect(await release.json()).toEqual({ released: true })
      expect(await one.server.services.otp.brakes.list()).toEqual([])
    } finally {
      await Promise.all([one.server.close(), other.server.close()])
      await redis.stop()
    }
  })

  it('tells loopback addresses from the rest, and masks report numbers', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a)).toBe(true)
    for (const a of [
      '10.0.0.1',
      '192.168.1.2',
      '::ffff:192.0.2.1',
      '::',
      '1.127.0.0',
      '127.0.0.1.evil',
      undefined,
    ])
      expect(isLoopback(a)).toBe(false)
    expect(mask('+447400123456')).toBe('+4474••••••56')
    expect(mask('13800138000')).toBe('+8613•••••••00')
  })
})
