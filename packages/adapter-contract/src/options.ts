import { YunpianOptionsError } from '@yunpian-kit/core'
import { expect } from 'vitest'

/**
 * That `create` throws the one bad-options error, naming `option`, with `message` (the whole text, or a
 * pattern where a value varies). Adapters' option checks run when the app is built, so this is synchronous.
 */
export function expectOptionsError(create: () => unknown, option: string, message: string | RegExp): void {
  expect(create).toThrow(YunpianOptionsError)
  expect(create).toThrow(
    expect.objectContaining({
      option,
      message: typeof message === 'string' ? message : expect.stringMatching(message),
    }),
  )
}
