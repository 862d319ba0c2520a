// The example's report views, attacked: what a stranger (or a screen share of the admin page) learns of the
// numbers codes went to. The status log is served without a token, so it must carry no whole number.
import { type FakeYunpian, startFakeYunpian } from '@yunpian-kit/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../../scripts/redis-servers.js'
import { mask } from '../src/admin.js'
import { startExpress } from '../src/express.js'

const TOKEN = 'test-admin-token-0123456789abcdef'

describe('numbers in the example’s report views', () => {
  let fake: FakeYunpian
  let server: Awaited<ReturnType<typeof startExpress>>

  beforeAll(async () => {
    fake = await startFakeYunpian()
    server = await startExpress({
      port: await freePort(),
      env: { YUNPIAN_APIKEY: '', ADMIN_TOKEN: TOKEN },
      fake,
      quiet: true,
    })
  })
  afterAll(async () => {
    await server?.close()
    await fake?.close()
  })

  it('GET /status and the admin page show no whole number, mainland or international', async () => {
    for (const mobile of ['+447400123456', '13800138000']) {
      const sent = await fetch(`${server.url}/otp/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mobile }),
      })
      expect(sent.ok).toBe(true)
    }
    await fake.reportsSettled()
    expect(server.services.statusLog).toHaveLength(2)
    const status = await (await fetch(`${server.url}/status`)).text()
    const overview = await (
      await fetch(`${server.url}/admin/api/overview`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).text()
    for (const shown of [status, overview]) {
      expect(shown).not.toContain('7400123456')
      expect(shown).not.toContain('13800138000')
    }
    // What the demo reads of the log stays.
    expect(JSON.parse(status)).toMatchObject([{ delivered: true }, { delivered: true }])
  })

  it('masks at least half the digits of every number, mainland numbers without +86 too', () => {
    for (const mobile of ['+447400123456', '13800138000', '+8613800138000', '+6591234567', '+14155550123']) {
      const masked = mask(mobile)
      const hidden = masked.split('•').length - 1
      expect(hidden, masked).toBeGreaterThanOrEqual(masked.replace(/\D/g, '').length)
    }
  })
})
