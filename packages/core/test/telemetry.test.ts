// Telemetry through the OpenTelemetry SDK's in-memory exporters, against the fake Yunpian over real HTTP.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { DataPoint, ResourceMetrics } from '@opentelemetry/sdk-metrics'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { beforeEach, describe, expect, it } from 'vitest'
import { OtpRateLimitedError, YunpianApiError } from '../src/index.js'
import { setup as clientSetup, rejection } from './helpers.js'
import { NUMBERS, setup, wrongFor } from './otp-setup.js'
import { installTelemetry } from './telemetry-setup.js'

const { spans, reader } = installTelemetry()
beforeEach(() => spans.reset())

async function collect(): Promise<ResourceMetrics> {
  const { resourceMetrics, errors } = await reader.collect()
  expect(errors).toEqual([])
  return resourceMetrics
}

/** The data points of one metric, as `{ attributes, value }`. */
async function points(name: string): Promise<DataPoint<unknown>[]> {
  const all = (await collect()).scopeMetrics.flatMap((s) => s.metrics)
  return (all.find((m) => m.descriptor.name === name)?.dataPoints ?? []) as DataPoint<unknown>[]
}

/** The value of a counter for the data point whose attributes include `where`. */
async function count(name: string, where: Record<string, unknown>): Promise<number> {
  const match = (await points(name)).filter((p) =>
    Object.entries(where).every(([k, v]) => p.attributes[k] === v),
  )
  return match.reduce((sum, p) => sum + (p.value as number), 0)
}

const named = (name: string) => spans.getFinishedSpans().filter((s) => s.name === name)
const SEND_SPAN = 'POST /v2/sms/single_send.json'

describe('telemetry', () => {
  it('a send: one OTP span with the Yunpian call as its child, country and outcome, HTTP conventions', async () => {
    const { otp, fake } = await setup()
    await otp.send({ mobile: NUMBERS.UK, clientKey: '203.0.113.7' })
    const [send] = named('yunpian.otp.send')
    const [call] = named(SEND_SPAN)
    expect(send?.attributes).toMatchObject({
      'yunpian.otp.outcome': 'sent',
      'yunpian.otp.country': 'GB',
      'yunpian.otp.purpose': 'login',
    })
    expect(call?.kind).toBe(SpanKind.CLIENT)
    expect(call?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId)
    const url = new URL(fake.url)
    expect(call?.attributes).toEqual({
      'http.request.method': 'POST',
      'url.template': '/v2/sms/single_send.json',
      'yunpian.endpoint': 'sms/single_send',
      'server.address': url.hostname,
      'server.port': Number(url.port),
      'http.response.status_code': 200,
    })
    expect(call?.status.code).toBe(SpanStatusCode.UNSET)
  })

  it('codes sent, verified and failed are counted by country; store calls are timed', async () => {
    const before = {
      sent: await count('yunpian.otp.codes.sent', { 'yunpian.otp.country': 'SG' }),
      verified: await count('yunpian.otp.codes.verified', { 'yunpian.otp.country': 'SG' }),
      failed: await count('yunpian.otp.codes.failed', { 'yunpian.otp.country': 'SG' }),
    }
    const { otp, codeOf } = await setup()
    await otp.send({ mobile: NUMBERS.SG, clientKey: 'c1' })
    const code = codeOf(NUMBERS.SG)
    expect(await otp.verify({ mobile: NUMBERS.SG, code: wrongFor(code), clientKey: 'c1' })).toMatchObject({
      ok: false,
    })
    expect(await otp.verify({ mobile: NUMBERS.SG, code, clientKey: 'c1' })).toMatchObject({ ok: true })

    expect(await count('yunpian.otp.codes.sent', { 'yunpian.otp.country': 'SG' })).toBe(before.sent + 1)
    expect(await count('yunpian.otp.codes.verified', { 'yunpian.otp.country': 'SG' })).toBe(
      before.verified + 1,
    )
    expect(await count('yunpian.otp.codes.failed', { 'yunpian.otp.country': 'SG' })).toBe(before.failed + 1)
    expect(named('yunpian.otp.verify').map((s) => s.attributes['yunpian.otp.outcome'])).toEqual([
      'invalid',
      'verified',
    ])

    const durations = await points('yunpian.otp.store.duration')
    const operations = durations.map(
      (p) => `${p.attributes['yunpian.otp.store']} ${p.attributes['yunpian.otp.store.operation']}`,
    )
    expect(operations).toEqual(
      expect.arrayContaining(['throttle consume', 'throttle refund', 'codes set', 'codes verify']),
    )
    const consume = durations.find((p) => p.attributes['yunpian.otp.store.operation'] === 'consume')
    expect((consume?.value as { count: number } | undefined)?.count).toBeGreaterThanOrEqual(5)
  })

  it('a refusal by a limit is counted by scope and rule, and is not a span error', async () => {
    const { otp } = await setup()
    await otp.send({ mobile: NUMBERS.UK, clientKey: 'c2' })
    const before = await count('yunpian.otp.throttle.refusals', {
      'yunpian.otp.limit.rule': 'number-cooldown',
    })
    expect(await rejection(otp.send({ mobile: NUMBERS.UK, clientKey: 'c2' }))).toBeInstanceOf(
      OtpRateLimitedError,
    )
    expect(
      await count('yunpian.otp.throttle.refusals', {
        'yunpian.otp.limit.scope': 'number',
        'yunpian.otp.limit.rule': 'number-cooldown',
        'yunpian.otp.country': 'GB',
      }),
    ).toBe(before + 1)
    const refused = named('yunpian.otp.send').at(-1)
    expect(refused?.attributes).toMatchObject({
      'yunpian.otp.outcome': 'rate_limited',
      'error.type': 'OtpRateLimitedError',
    })
    expect(refused?.status.code).toBe(SpanStatusCode.UNSET)
  })

  it('a Yunpian refusal: an error span with its code, and the error counted by endpoint and code', async () => {
    const { client } = await clientSetup({ blackWords: ['forbidden-word'] })
    const before = await count('yunpian.client.errors', { 'yunpian.error.code': 4 })
    const error = await rejection(
      client.sms.singleSend({ mobile: '13800138000', text: '【Acme】a forbidden-word here' }),
    )
    expect(error).toBeInstanceOf(YunpianApiError)
    const [call] = named(SEND_SPAN)
    expect(call?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'YunpianApiError' })
    expect(call?.attributes).toMatchObject({
      'error.type': 'YunpianApiError',
      'yunpian.error.code': 4,
      'http.response.status_code': (error as YunpianApiError).httpStatus,
    })
    expect(call?.events).toEqual([])
    expect(
      await count('yunpian.client.errors', {
        'yunpian.endpoint': 'sms/single_send',
        'error.type': 'YunpianApiError',
        'yunpian.error.code': 4,
      }),
    ).toBe(before + 1)
  })

  it('retries are events on the one span of the logical call', async () => {
    const { client, fake } = await clientSetup()
    fake.fault('system-busy', { endpoint: 'user/get', times: 2 })
    await client.user.get()
    const calls = named('POST /v2/user/get.json')
    expect(calls).toHaveLength(1)
    expect(calls[0]?.events.map((e) => [e.name, e.attributes?.['yunpian.retry.attempt']])).toEqual([
      ['yunpian.retry', 1],
      ['yunpian.retry', 2],
    ])
    expect(calls[0]?.events[0]?.attributes).toMatchObject({
      'error.type': 'YunpianApiError',
      'yunpian.error.code': -51,
    })
    expect(calls[0]?.attributes['http.request.resend_count']).toBe(2)
    expect(calls[0]?.status.code).toBe(SpanStatusCode.UNSET)
  })

  it('a brake trip is counted by scope and country, its refusals by rule, its store calls timed', async () => {
    const s = await setup({
      brake: {
        prefix: { minSends: 10, minVerifiedRatio: 0.2 },
        country: { minSends: 1_000, minVerifiedRatio: 0.2 },
      },
    })
    const trips = { 'yunpian.otp.brake.scope': 'prefix', 'yunpian.otp.country': 'GB' }
    const before = await count('yunpian.otp.brake.trips', trips)
    for (let i = 0; i < 12; i++)
      await s.otp.send({ mobile: `+447400${100000 + i}`, clientKey: `203.0.113.${i}` })
    s.clock.advance(7 * 60_000) // every code expired unverified
    const refused = await rejection(s.otp.send({ mobile: '+447400100100', clientKey: 'fresh' }))
    expect(refused).toMatchObject({ scope: 'brake', rule: 'brake-prefix' })

    expect(await count('yunpian.otp.brake.trips', trips)).toBe(before + 1)
    expect(
      await count('yunpian.otp.throttle.refusals', {
        'yunpian.otp.limit.scope': 'brake',
        'yunpian.otp.limit.rule': 'brake-prefix',
      }),
    ).toBeGreaterThanOrEqual(1)
    expect(named('yunpian.otp.send').at(-1)?.attributes['yunpian.otp.outcome']).toBe('rate_limited')
    const brakeCalls = (await points('yunpian.otp.store.duration')).filter(
      (p) => p.attributes['yunpian.otp.store'] === 'brake',
    )
    expect(brakeCalls.map((p) => p.attributes['yunpian.otp.store.operation'])).toContain('send')
  })

  it('no number, code, apikey, address or client key in any span, event or metric attribute', async () => {
    const clientKey = '198.51.100.23'
    const { otp, codeOf, client, fake } = await setup({}, { blackWords: ['forbidden-word'] })
    await otp.send({ mobile: NUMBERS.UK, clientKey })
    const code = codeOf(NUMBERS.UK)
    await otp.verify({ mobile: NUMBERS.UK, code: wrongFor(code), clientKey })
    await otp.verify({ mobile: NUMBERS.UK, code, clientKey })
    await rejection(otp.send({ mobile: NUMBERS.UK, clientKey })) // throttled
    await rejection(client.sms.singleSend({ mobile: NUMBERS.SG, text: '【Acme】forbidden-word' }))
    await rejection(otp.verify({ mobile: '+4474001', code: '123456', clientKey })) // invalid number
    const retrying = await clientSetup()
    retrying.fake.fault('system-busy', { endpoint: 'user/get' })
    await retrying.client.user.get()

    const values: string[] = []
    const add = (attributes: Record<string, unknown> | undefined) => {
      for (const [key, value] of Object.entries(attributes ?? {})) values.push(`${key}=${String(value)}`)
    }
    const finished: ReadableSpan[] = spans.getFinishedSpans()
    for (const span of finished) {
      values.push(span.name, span.status.message ?? '')
      add(span.attributes)
      for (const event of span.events) {
        values.push(event.name)
        add(event.attributes)
      }
    }
    for (const scope of (await collect()).scopeMetrics)
      for (const metric of scope.metrics) for (const point of metric.dataPoints) add(point.attributes)
    expect(finished).toHaveLength(8)
    expect(values.length).toBeGreaterThan(50)

    const secrets = [
      NUMBERS.UK,
      NUMBERS.UK.slice(3), // the national number
      NUMBERS.SG.slice(1),
      '4474001',
      code,
      fake.apikey,
      retrying.fake.apikey,
      clientKey,
      '【Acme】',
      '44740', // the brake's prefix: its scope and country are told, not its digits
    ]
    for (const secret of secrets) expect(values.filter((v) => v.includes(secret))).toEqual([])
  })
})
