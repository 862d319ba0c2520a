import { startFakeYunpian } from '@yunpian-kit/testing'
import { describe, expect, it } from 'vitest'
import { createServices } from '../src/config.js'

describe('example config', () => {
  it('YUNPIAN_BASE_URL points the example at a Yunpian started elsewhere, with the fake apikey', async () => {
    const fake = await startFakeYunpian()
    const services = await createServices({ port: 0, env: { YUNPIAN_BASE_URL: fake.url }, quiet: true })
    try {
      expect(services.fake).toBeUndefined()
      await services.otp.send({ mobile: '+447400123456', clientKey: '203.0.113.7' })
      expect(fake.outbox.lastCode('+447400123456')).toMatch(/^\d{6}$/)
    } finally {
      await services.close()
      await fake.close()
    }
  })
})
