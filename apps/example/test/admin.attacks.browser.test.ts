// The admin page in Debian's Chromium, attacked through what it shows: a delivery report is text someone
// else wrote (its sid, status and detail come from the network), so it must reach the page as text only.
import type { StatusReport } from '@yunpian-kit/core'
import { describe, expect, it } from 'vitest'
import { adminInChromium, openAdmin, TOKEN } from './admin-setup.js'

const PAYLOAD = '<img src=x onerror="window.__xss=1">'

describe('the admin page against script in report fields', () => {
  const started = adminInChromium()

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
    started.example.server.services.statusLog.unshift(report)
    const page = await openAdmin(started.browser, started.example.server.url, TOKEN)
    try {
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
