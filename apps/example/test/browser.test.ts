import { type FakeYunpian, startFakeYunpian } from '@yunpian-kit/testing'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startExpress } from '../src/express.js'
import { startFastify } from '../src/fastify.js'
import { startHono } from '../src/hono.js'
import { startNest } from '../src/nestjs.js'
import { launchChromium, OUTPUT } from './chromium.js'

describe('the login page in a real browser', () => {
  let browser: Browser
  let fake: FakeYunpian
  const servers: { name: string; url: string; close(): Promise<void> }[] = []

  beforeAll(async () => {
    browser = await launchChromium()
    fake = await startFakeYunpian()
    const env = { YUNPIAN_APIKEY: '' }
    servers.push(
      await startExpress({ port: 0, env, fake }),
      await startFastify({ port: 0, env, fake }),
      await startNest({ port: 0, env, fake }),
      await startHono({ port: 0, env, fake }),
    )
  }, 60_000)

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()))
    await fake?.close()
    await browser?.close()
  })

  /** Opens the page, asks for a code for `mobile`, and returns the page and the code from the outbox. */
  async function requestCode(url: string, mobile: string) {
    const page = await browser.newPage()
    await page.goto(url)
    await page.fill('#mobile', mobile)
    await page.click('#send')
    await page.waitForSelector('#verify-form:not([hidden])')
    return { page, code: fake.outbox.lastCode(mobile)! }
  }

  for (const [index, name] of ['Express', 'Fastify', 'NestJS', 'Hono'].entries()) {
    it(`${name}: enter the number, get the code, enter it, see "verified"`, async () => {
      const { page, code } = await requestCode(servers[index]!.url, `+4474009900${index}0`)
      try {
        await expect.poll(() => page.textContent('#send')).toMatch(/Resend in \d+ s/)
        await page.fill('#code', code)
        await page.click('#verify')
        await page.waitForSelector('#message.ok')
        expect(await page.textContent('#message')).toContain('Verified')
        await page.screenshot({ path: `${OUTPUT}${name.toLowerCase()}-verified.png` })
      } finally {
        await page.close()
      }
    })

    it(`${name}: a wrong code shows the error in words`, async () => {
      const { page, code } = await requestCode(servers[index]!.url, `+4474009901${index}0`)
      try {
        await page.fill(
          '#code',
          code.replace(/\d$/, (d) => String((Number(d) + 1) % 10)),
        )
        await page.click('#verify')
        await page.waitForSelector('#message.error')
        expect(await page.textContent('#message')).toContain('The code is wrong or has expired')
      } finally {
        await page.close()
      }
    })
  }
})
