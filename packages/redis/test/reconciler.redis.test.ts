import { randomBytes } from 'node:crypto'
import { Reconciler, type StatusReport, YunpianClient } from '@yunpian-kit/core'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { RedisDedupeStore, RedisSendLedger } from '../src/index.js'
import { CLIENTS } from './clients.js'

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await x.close()
})

const WINDOW = 10 * 60_000

describe.each(['ioredis standalone', 'node-redis cluster'])(
  'Reconciler on RedisSendLedger, %s',
  (clientName) => {
    it('three instances share the watched sends: with pushes dropped, each final status is handled once', async () => {
      const { client, close } = await CLIENTS[clientName]!()
      opened.push({ close })
      const fake = await startFakeYunpian({ rules: false, seed: 3, reports: { successRatio: 0.8 } })
      const yunpian = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })
      opened.push(fake, yunpian)
      // The fake's sids start at the same number every run: a prefix of its own keeps tests apart.
      const prefix = `test-${randomBytes(4).toString('hex')}:`
      const handled: StatusReport[] = []
      const instances = [0, 1, 2].map(
        () =>
          new Reconciler({
            client: yunpian,
            dedupe: new RedisDedupeStore({ client, prefix }),
            ledger: new RedisSendLedger({ client, prefix }),
            windowMs: WINDOW,
            batchSize: 7,
            onStatus: (reports) => void handled.push(...reports),
          }),
      )
      const sentAt = Date.now()
      for (let i = 0; i < 45; i++) {
        const sent = await yunpian.sms.singleSend({ mobile: '13800138000', text: `【A】m${i}` })
        await instances[i % 3]!.remember(sent, sentAt) // each instance remembers its own sends
      }
      // All three run rounds at once until the shared ledger is empty.
      for (let round = 0; round < 10; round++) {
        await Promise.all(instances.map((r) => r.reconcileOnce(sentAt + WINDOW + round)))
      }
      expect(handled).toHaveLength(45)
      const bySid = new Map(handled.map((r) => [r.sid, r.reportStatus]))
      for (const m of fake.outbox.all()) expect(bySid.get(m.sid)).toBe(m.report)
      expect(await instances[0]!.ledger.takeDue(sentAt + 100 * WINDOW, 100, 1_000)).toEqual([])
    })
  },
)
