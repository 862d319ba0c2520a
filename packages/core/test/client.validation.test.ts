import { describe, expect, it } from 'vitest'
import { YunpianClient, YunpianOptionsError, YunpianValidationError } from '../src/index.js'
import { rejection, setup, thrown } from './helpers.js'

const SIGNED = '【Acme】Your code is 1234'

describe('requests are validated before any I/O', () => {
  const cases: [string, () => (client: YunpianClient) => Promise<unknown>, string, RegExp][] = [
    [
      'mobile with spaces',
      () => (c) => c.sms.singleSend({ mobile: '+44 7700 900123', text: SIGNED }),
      'mobile',
      /E\.164/,
    ],
    [
      'mobile too short',
      () => (c) => c.sms.singleSend({ mobile: '1380013800', text: SIGNED }),
      'mobile',
      /11-digit/,
    ],
    [
      'unknown calling code',
      () => (c) => c.sms.singleSend({ mobile: '+99912345678', text: SIGNED }),
      'mobile',
      /does not exist/,
    ],
    [
      'wrong length for its country',
      () => (c) => c.sms.singleSend({ mobile: '+4477009', text: SIGNED }),
      'mobile',
      /wrong length/,
    ],
    [
      'mobile not a string',
      () => (c) => c.sms.singleSend({ mobile: 13800138000 as never, text: SIGNED }),
      'mobile',
      /string/,
    ],
    ['empty text', () => (c) => c.sms.singleSend({ mobile: '13800138000', text: '' }), 'text', /empty/],
    [
      'text of 501',
      () => (c) => c.sms.singleSend({ mobile: '13800138000', text: 'x'.repeat(501) }),
      'text',
      /at most 500/,
    ],
    [
      'lone surrogate',
      () => (c) => c.sms.singleSend({ mobile: '13800138000', text: '【A】\ud83d' }),
      'text',
      /surrogate/,
    ],
    [
      'callbackUrl not http',
      () => (c) => c.sms.singleSend({ mobile: '13800138000', text: SIGNED, callbackUrl: 'ftp://x/y' }),
      'callbackUrl',
      /http/,
    ],
    [
      'extend not digits',
      () => (c) => c.sms.singleSend({ mobile: '13800138000', text: SIGNED, extend: 'ab' }),
      'extend',
      /digits/,
    ],
    [
      'unknown field',
      () => (c) => c.sms.singleSend({ mobile: '13800138000', text: SIGNED, callback_url: 'x' } as never),
      'callback_url',
      /not a known field/,
    ],
    ['pageSize 0', () => (c) => c.sms.pullStatus({ pageSize: 0 }), 'pageSize', /1 to 100/],
    ['pageSize 101', () => (c) => c.sms.pullReply({ pageSize: 101 }), 'pageSize', /1 to 100/],
    ['pageSize 2.5', () => (c) => c.sms.pullStatus({ pageSize: 2.5 }), 'pageSize', /1 to 100/],
    [
      'batch of 1001',
      () => (c) => c.sms.batchSend({ mobile: Array(1001).fill('13800138000'), text: SIGNED }),
      'mobile',
      /at most 1000/,
    ],
    [
      'batch with an international number',
      () => (c) => c.sms.batchSend({ mobile: ['13800138000', '+447700900123'], text: SIGNED }),
      'mobile[1]',
      /singleSend/,
    ],
    [
      'multiSend counts differ',
      () => (c) => c.sms.multiSend({ mobile: ['13800138000', '13900139000'], text: [SIGNED] }),
      'text',
      /one text per mobile/,
    ],
    [
      'tplId not a number',
      () => (c) => c.sms.tplSingleSend({ mobile: '13800138000', tplId: 'abc', tplValue: {} }),
      'tplId',
      /template id/,
    ],
    [
      'tplValue not strings',
      () => (c) => c.sms.tplSingleSend({ mobile: '13800138000', tplId: 1, tplValue: { code: 1 as never } }),
      'tplValue.code',
      /string/,
    ],
    [
      'getRecord time format',
      () => (c) => c.sms.getRecord({ startTime: '2024-01-01', endTime: new Date() }),
      'startTime',
      /yyyy-MM-dd HH:mm:ss/,
    ],
  ]

  it.each(cases)('%s', async (_name, call, field, message) => {
    const { fake, client } = await setup()
    const error = await rejection(call()(client))
    expect(error).toBeInstanceOf(YunpianValidationError)
    const issue = (error as YunpianValidationError).issues.find((i) => i.field === field)
    expect(issue, `issues: ${JSON.stringify((error as YunpianValidationError).issues)}`).toBeDefined()
    expect(issue!.message).toMatch(message)
    expect(error.message).toContain(field)
    expect(fake.calls.size).toBe(0) // nothing reached the server
  })

  it('names each bad field, what it got and what is allowed, in one error', async () => {
    const { client } = await setup()
    const error = (await rejection(
      client.sms.singleSend({ mobile: '12345', text: '' }),
    )) as YunpianValidationError
    expect(error.issues.map((i) => i.field)).toEqual(['mobile', 'text'])
    expect(error.message).toContain('got "12345"')
    expect(error.message).toContain('Invalid singleSend request, nothing was sent')
  })

  it('bad client options throw at construction, naming the option', () => {
    const timeout = thrown(() => new YunpianClient({ apikey: 'a'.repeat(32), timeoutMs: -1 }))
    expect(timeout).toBeInstanceOf(YunpianOptionsError)
    // Still the class core threw for bad options before YunpianOptionsError existed.
    expect(timeout).toBeInstanceOf(YunpianValidationError)
    expect(timeout).toMatchObject({ option: 'timeoutMs', owner: 'YunpianClient' })
    expect(timeout.message).toMatch(/^Invalid YunpianClient options: timeoutMs: got -1; /)
    expect(() => new YunpianClient({ apikey: 'short' })).toThrow(/apikey: .*32-character/)
    expect(() => new YunpianClient({ apikey: 'a'.repeat(32), region: 'eu' as never })).toThrow(/region/)
    expect(() => new YunpianClient({ apikey: 'a'.repeat(32), timeoutMs: 0 })).toThrow(/timeoutMs/)
    expect(() => new YunpianClient({ apikey: 'a'.repeat(32), baseUrl: 'localhost:80' })).toThrow(/baseUrl/)
    expect(() => new YunpianClient({ apikey: 'a'.repeat(32), retry: 3 } as never)).toThrow(
      /retry: is not a known option/,
    )
  })

  it('accepts mainland, +86 and international numbers', async () => {
    const { fake, client } = await setup()
    for (const mobile of ['13800138000', '+8613900139000', '+93701234567', '+12025550123', '+6581234567']) {
      await client.sms.singleSend({ mobile, text: `${SIGNED} ${mobile}` })
    }
    expect(fake.outbox.size).toBe(5)
  })
})
