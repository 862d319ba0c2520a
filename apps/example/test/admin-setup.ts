// An Express example with the admin page on, a clock the test moves, and small brake thresholds.
import { type FakeYunpian, type FakeYunpianOptions, startFakeYunpian } from '@yunpian-kit/testing'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { freePort } from '../../../scripts/redis-servers.js'
import { startExpress } from '../src/express.js'
import { launchChromium } from './chromium.js'

export const TOKEN = 'test-admin-token-0123456789abcdef'
const MINUTE = 60_000
/** GB mobiles: prefix 44740 is pumped (codes never verified), 44750 converts. */
export const pumped = (i: number) => `+447400${100000 + i}`
export const converting = (i: number) => `+447500${100000 + i}`

export async function startAdminExample(fake: FakeYunpian, env: NodeJS.ProcessEnv = { ADMIN_TOKEN: TOKEN }) {
  let now = Date.now()
  // A known port, so the webhook URL given to Yunpian (the fake) is right before the server listens.
  const server = await startExpress({
    port: await freePort(),
    env: { YUNPIAN_APIKEY: '', ...env },
    fake,
    quiet: true,
    otp: {
      now: () => now,
      brake: {
        prefix: { minSends: 10, minVerifiedRatio: 0.2 },
        country: { minSends: 1_000, minVerifiedRatio: 0.2 },
      },
    },
  })
  const post = (path: string, body: unknown, from: string) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      // The example trusts a proxy on loopback (`trust proxy`): each request comes "from" its own address.
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
      body: JSON.stringify(body),
    })
  return {
    server,
    advance: (ms: number) => {
      now += ms
    },
    /**
     * The pumping wave over HTTP from rotating addresses: 12 codes to prefix 44740 never verified, 10 to
     * 44750 of which 9 verified; then every code's lifetime passes and the next send to 44740 trips the brake.
     */
    async pumpAndTrip() {
      for (let i = 0; i < 12; i++) {
        const sent = await post('/otp/send', { mobile: pumped(i) }, `203.0.113.${i + 1}`)
        if (!sent.ok) throw new Error(`send ${i}: ${sent.status} ${await sent.text()}`)
      }
      for (let i = 0; i < 10; i++) {
        const mobile = converting(i)
        const from = `198.51.100.${i + 1}`
        if (!(await post('/otp/send', { mobile }, from)).ok) throw new Error(`send to ${mobile}`)
        if (i === 9) continue
        const verified = await post('/otp/verify', { mobile, code: fake.outbox.lastCode(mobile) }, from)
        if (!verified.ok) throw new Error(`verify ${mobile}: ${verified.status}`)
      }
      now += 7 * MINUTE
      const refused = await post('/otp/send', { mobile: pumped(50) }, '192.0.2.200')
      return { status: refused.status, body: (await refused.json()) as Record<string, unknown> }
    },
  }
}

/** Opens `url`'s admin page in a new tab and submits `token`; the caller waits for what it expects and closes the page. */
export async function openAdmin(
  browser: Browser,
  url: string,
  token: string,
  options?: Parameters<Browser['newPage']>[0],
): Promise<Page> {
  const page = await browser.newPage(options)
  await page.goto(`${url}/admin`)
  await page.fill('#token', token)
  await page.click('#open')
  return page
}

/**
 * For a browser test file: Chromium, the fake Yunpian (with `fakeOptions`) and the admin example, started
 * before its tests and closed after. Read the fields inside tests (they are set in `beforeAll`).
 */
export function adminInChromium(fakeOptions?: FakeYunpianOptions) {
  const started = {} as {
    browser: Browser
    fake: FakeYunpian
    example: Awaited<ReturnType<typeof startAdminExample>>
  }
  beforeAll(async () => {
    started.browser = await launchChromium()
    started.fake = await startFakeYunpian(fakeOptions)
    started.example = await startAdminExample(started.fake)
  }, 60_000)
  afterAll(async () => {
    await started.example?.server.close()
    await started.fake?.close()
    await started.browser?.close()
  })
  return started
}
