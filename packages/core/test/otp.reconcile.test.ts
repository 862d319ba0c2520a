import { startFakeYunpian } from '@yunpian-kit/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryDedupeStore, OtpService, Reconciler, type StatusReport, YunpianClient } from '../src/index.js'
import { message, SECRET } from './otp-setup.js'

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((x) => x.close()))
})

const WINDOW = 10 * 60_000

async function start(reconciler: (client: YunpianClient) => { remember: Reconciler['remember'] }) {
  // No callback URL and no pull: only the reconciler can bring the final statuses.
  const fake = await startFakeYunpian({ rules: false })
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url, retries: 0 })
  opened.push(client, fake)
  const warnings: string[] = []
  const watcher = reconciler(client)
  const otp = new OtpService({
    client,
    secret: SECRET,
    message,
    countries: ['GB', 'CN'],
    reconciler: watcher,
    warn: (w) => warnings.push(w),
  })
  return { fake, client, otp, warnings }
}

describe('OtpService with a reconciler', () => {
  it('every code sent reaches the reconciler, so its final status arrives with no push or pull', async () => {
    const handled: StatusReport[] = []
    let reconciler: Reconciler | undefined
    const { otp, fake } = await start((client) => {
      reconciler = new Reconciler({
        client,
        dedupe: new MemoryDedupeStore(),
        windowMs: WINDOW,
        onStatus: (reports) => void handled.push(...reports),
      })
      return reconciler
    })
    const uk = await otp.send({ mobile: '+447400123456', clientKey: '192.0.2.1' })
    const cn = await otp.send({ mobile: '+8613800138000', clientKey: '192.0.2.2' })
    expect(await reconciler!.reconcileOnce(Date.now() + WINDOW)).toBe(2)
    expect(handled.map((r) => r.sid).sort()).toEqual([uk.sid, cn.sid].sort())
    // Each as Yunpian recorded it: the mainland number as it was sent, without +86.
    const recorded = new Map(fake.outbox.all().map((m) => [m.sid, m.mobile]))
    for (const report of handled) expect(report.mobile).toBe(recorded.get(report.sid))
  })

  it('a reconciler that cannot remember never fails the send: the SMS is out, the failure is told', async () => {
    const { otp, fake, warnings } = await start(() => ({
      remember: async () => {
        throw new Error('ledger down')
      },
    }))
    const sent = await otp.send({ mobile: '+447400123456', clientKey: '192.0.2.1' })
    expect(fake.outbox.all()).toHaveLength(1)
    expect(warnings.join('\n')).toContain(`sid ${sent.sid} was sent but not handed to the reconciler`)
    expect(warnings.join('\n')).toContain('ledger down')
  })

  it('a reconciler without remember is refused at construction, naming the option', async () => {
    const fake = await startFakeYunpian()
    const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })
    opened.push(client, fake)
    expect(
      () =>
        new OtpService({
          client,
          secret: SECRET,
          message,
          countries: ['GB'],
          reconciler: {} as never,
        }),
    ).toThrow(/reconciler.*must be a Reconciler/s)
  })
})
