// The admin page in Debian's Chromium: a pumping wave trips the brake, the page shows it, Release lifts it.
import { describe, expect, it } from 'vitest'
import { adminInChromium, openAdmin, TOKEN } from './admin-setup.js'
import { OUTPUT } from './chromium.js'

describe('the admin page in a real browser', () => {
  const started = adminInChromium({ reports: { delayMs: 5 } })

  it('a wrong token shows the refusal and no data', async () => {
    const page = await openAdmin(started.browser, started.example.server.url, 'not-the-admin-token-at-all')
    try {
      await page.waitForSelector('#message.error')
      expect(await page.textContent('#message')).toContain('The admin token is missing or wrong')
      expect(await page.isHidden('#data')).toBe(true)
    } finally {
      await page.close()
    }
  })

  it('shows conversion per country and prefix, the brake the wave tripped, the reports; Release lifts it', async () => {
    const { otp } = started.example.server.services
    const refused = await started.example.pumpAndTrip()
    expect(refused).toMatchObject({ status: 429, body: { code: 'rate_limited' } })
    expect(await otp.brakes.list()).toMatchObject([{ scope: 'prefix', country: 'GB', prefix: '44740' }])
    await started.fake.reportsSettled()
    expect(started.example.server.services.statusLog.length).toBeGreaterThanOrEqual(20)

    const page = await openAdmin(started.browser, started.example.server.url, TOKEN, {
      viewport: { width: 1100, height: 1100 },
    })
    try {
      await page.waitForSelector('#brakes button.release')

      // Sent, verified and verified/sent (delivered depends on whether a report beat its verify). The pumped
      // prefix's own evidence restarted when it tripped: its figures are the brake's; the country keeps them.
      const conversion = await page.$$eval('#conversion tbody tr', (rows) =>
        rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
      )
      expect(conversion.map(([name, sent, verified, , , ratio]) => [name, sent, verified, ratio])).toEqual([
        ['GB', '22', '9', '41%'],
        ['+44750', '10', '9', '90%'],
      ])
      const brakes = await page.$$eval('#brakes tbody tr', (rows) =>
        rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
      )
      expect(brakes).toEqual([['prefix', 'GB', '+44740', expect.any(String), '12', '0', 'Release']])
      const reports = await page.$$eval('#reports tbody tr', (rows) => rows.map((r) => r.textContent ?? ''))
      expect(reports.length).toBe(20)
      expect(reports.every((r) => r.includes('delivered') && r.includes('•'))).toBe(true)
      // Numbers are masked: no full number reaches the page.
      expect(await page.content()).not.toContain('447400100000')
      await page.screenshot({ path: `${OUTPUT}admin-brake.png`, fullPage: true })

      await page.click('#brakes button.release')
      await page.waitForSelector('#brakes td.empty')
      expect(await page.textContent('#brakes tbody')).toBe('No active brakes.')
      expect(await page.textContent('#message')).toBe('Released +44740.')
      expect(await otp.brakes.list()).toEqual([])
      await page.screenshot({ path: `${OUTPUT}admin-released.png`, fullPage: true })

      // Released, the prefix sends again at once.
      const again = await fetch(`${started.example.server.url}/otp/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.201' },
        body: JSON.stringify({ mobile: '+447400100077' }),
      })
      expect(again.status).toBe(202)
    } finally {
      await page.close()
    }
  })
})
