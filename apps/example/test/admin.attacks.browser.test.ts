// The admin page in Debian's Chromium, attacked through what it shows: a delivery report is text someone
// else wrote (its sid, status and detail come from the network), so it must reach the page as text only.
import { existsSync } from 'node:fs'
import type { StatusReport } from '@yunpian-kit/core'
import { type FakeYunpian, startFakeYunpian } from '@yunpian-kit/testing'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAdminExample, TOKEN } from './admin-setup.js'

const CHROMIUM = '/usr/bin/chromium'
const PAYLOAD = '<img src=x onerror="window.__xss=1">'

describe('the admin page against script in report fields', () => {
  let browser: Browser
  let fake: FakeYunpian
  let example: Awaited<ReturnType<typeof startAdminExample>>

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    })
    fake = await startFakeYunpian()
    example = await startAdminExample(fake)
  }, 60_000)

  afterAll(async () => {
    await example?.server.close()
    await fake?.close()
    await browser?.close()
  })

  it('shows a report whose sid, status and detail carry markup as text, and runs none of it', async () => {
    const report: StatusReport = {
      sid: PAYLOAD,
      uid: `otp-${PAYLOAD}`,
      mobile: '+447400123456',
      reportStatus: 'FAIL',
      errorCode: `</td><script>window.__xss=2</script>${PAYLOAD}`,
      errorDetail: PAYLOAD,
      receivedAt: new Date(),
      userReceiveTime: null,
      delivered: false,
    }
    example.server.services.statusLog.unshift(report)
    const page = await browser.newPage()
    try {
      await page.goto(`${example.server.url}/admin`)
      await page.fill('#token', TOKEN)
      await page.click('#open')
      await page.waitForSelector('#reports tbody tr')
      const cells = await page.$$eval('#reports tbody tr:first-child td', (tds) =>
        tds.map((td) => td.textContent),
      )
      expect(cells[1]).toBe(PAYLOAD)
      expect(cells[3]).toContain('<script>window.__xss=2</script>')
      expect(await page.$$('#reports img, #reports script')).toHaveLength(0)
      expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined()
    } finally {
      await page.close()
    }
  })
})
