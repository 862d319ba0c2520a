// Telemetry under the brake's attacks: a wave that trips it, refusals while paused, and a brake store that
// fails with the number in its message. No number, prefix digits, code, apikey or client key may reach a
// span (name, status, attributes, events) or a metric attribute, on errors least of all.
import { describe, expect, it } from 'vitest'
import { type BrakeStore, MemoryBrakeStore } from '../src/index.js'
import { MINUTE, pumped } from './brake-fixtures.js'
import { rejection } from './helpers.js'
import { setup } from './otp-setup.js'
import { installTelemetry } from './telemetry-setup.js'

const { spans, reader } = installTelemetry()

/** Every string telemetry recorded: span names, statuses, attributes, events, metric attributes. */
async function recorded(): Promise<string[]> {
  const values: string[] = []
  const add = (attributes: Record<string, unknown> | undefined) => {
    for (const [key, value] of Object.entries(attributes ?? {})) values.push(`${key}=${String(value)}`)
  }
  for (const span of spans.getFinishedSpans()) {
    values.push(span.name, span.status.message ?? '')
    add(span.attributes)
    for (const event of span.events)
      values.push(event.name, ...Object.values(event.attributes ?? {}).map(String))
  }
  const { resourceMetrics } = await reader.collect()
  for (const scope of resourceMetrics.scopeMetrics)
    for (const metric of scope.metrics) for (const point of metric.dataPoints) add(point.attributes)
  return values
}

describe('telemetry under the brake’s attacks', () => {
  it('a wave, its trip, refusals while paused and a failing brake store leak no number, prefix or key', async () => {
    const s = await setup({
      brake: {
        prefix: { minSends: 10, minVerifiedRatio: 0.2 },
        country: { minSends: 1_000, minVerifiedRatio: 0.2 },
      },
    })
    for (let i = 0; i < 12; i++) await s.otp.send({ mobile: pumped(i), clientKey: `203.0.113.${i}` })
    s.clock.advance(7 * MINUTE)
    for (let i = 20; i < 25; i++)
      expect(await rejection(s.otp.send({ mobile: pumped(i), clientKey: `198.51.100.${i}` }))).toMatchObject({
        scope: 'brake',
      })

    // A store that fails and, carelessly, names the number in its message.
    const failing = new MemoryBrakeStore()
    const broken: BrakeStore = Object.assign(Object.create(failing), {
      send: async (send: { subject: string }) => {
        throw new Error(`store down while counting +447400100099 (${send.subject})`)
      },
    })
    const t = await setup({ brakeStore: broken })
    const error = await rejection(t.otp.send({ mobile: pumped(99), clientKey: '192.0.2.99' }))
    expect(error.message).toContain('+447400100099')

    const values = await recorded()
    expect(values.some((v) => v.includes('yunpian.otp.brake.scope=prefix'))).toBe(true)
    expect(values.some((v) => v === 'error.type=Error')).toBe(true)
    for (const secret of [
      '7400100',
      '44740',
      '203.0.113.',
      '198.51.100.',
      '192.0.2.99',
      s.fake.apikey,
      t.fake.apikey,
    ])
      expect(values.filter((v) => v.includes(secret))).toEqual([])
  })
})
