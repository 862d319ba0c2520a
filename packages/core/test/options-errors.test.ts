// Bad options anywhere in core are one class, YunpianOptionsError: it names the option, what it got (secrets
// redacted) and what is allowed, and answers a 500 that names nothing if it reaches an HTTP route.
import { afterAll, describe, expect, it } from 'vitest'
import { problemFor } from '../src/http/index.js'
import {
  createStatusPoller,
  OtpService,
  YunpianClient,
  YunpianOptionsError,
  YunpianValidationError,
} from '../src/index.js'
import { thrown } from './helpers.js'
import { SECRET } from './otp-setup.js'

const client = new YunpianClient({ apikey: 'a'.repeat(32), baseUrl: 'http://127.0.0.1:9' })
afterAll(() => client.close())

describe('YunpianOptionsError', () => {
  it('a poller page size out of range names pageSize, what it got and the range', () => {
    const error = thrown(() => createStatusPoller({ client, onReports: () => {}, pageSize: 500 } as never))
    expect(error).toBeInstanceOf(YunpianOptionsError)
    expect(error).toMatchObject({ option: 'pageSize', owner: 'status poller' })
    expect(error.message).toBe(
      'Invalid status poller options: pageSize: got 500; must be a whole number from 1 to 100',
    )
  })

  it('a test number of the wrong length names the entry', () => {
    const error = thrown(
      () =>
        new OtpService({
          client,
          secret: SECRET,
          message: ({ code }) => `【Acme】${code}`,
          countries: ['GB'],
          testNumbers: { '+447400000001': '2468' },
          warn: () => undefined,
        }),
    )
    expect(error).toBeInstanceOf(YunpianOptionsError)
    expect(error).toMatchObject({ option: 'testNumbers.+447400000001', owner: 'OtpService' })
    expect(error.message).toBe(
      'Invalid OtpService options: testNumbers.+447400000001: must be a code of codeLength (6) digits',
    )
  })

  it("is still a YunpianValidationError, but an HTTP route answers it as the server's 500, naming nothing", () => {
    const error = new YunpianOptionsError('YunpianClient', {
      option: 'apikey',
      allowed: 'x',
      received: 'key',
    })
    expect(error).toBeInstanceOf(YunpianValidationError)
    expect(error.message).toBe(
      'Invalid YunpianClient options: apikey: got a string of 3 characters (redacted); x',
    )
    const reported: unknown[] = []
    const answer = problemFor(error, (e) => reported.push(e))
    expect(answer.status).toBe(500)
    expect(answer.body).not.toContain('apikey')
    expect(reported).toEqual([error])
  })
})
