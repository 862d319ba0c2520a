import { segment } from '@yunpian-kit/core'
import { SegmentedMessage } from 'sms-segments-calculator'
import { type BenchResult, compare, result } from './harness.js'

// sms-segments-calculator manages about a thousand a second: enough for a steady figure, kept short.
const MESSAGES = 3_000

/** A seeded corpus of mixed messages: Latin, Latin with extension characters, Chinese, emoji, CR LF. */
export function corpus(count: number, seed = 7): string[] {
  let state = seed
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!
  const latin = 'Your verification code is 482913. Do not share it with anyone. Thanks for using Acme! '
  const chinese = '尊敬的用户您的验证码是请在五分钟内完成验证如非本人操作请忽略本短信感谢您使用我们的服务'
  const pieces = {
    latin: [...latin],
    extended: [...latin, '€', '{', '}', '[', ']', '~', '^', '|', '\\'],
    chinese: [...chinese, '，', '。', '1', '2', '3'],
    emoji: [...latin, '😀', '👍🏽', '🇬🇧', '👨‍👩‍👧', '🎉', 'é'],
    crlf: [...latin, '\r\n'],
  }
  const kinds = Object.keys(pieces) as (keyof typeof pieces)[]
  const messages: string[] = []
  for (let i = 0; i < count; i++) {
    const kind = pick(kinds)
    const target = 20 + Math.floor(random() * 420)
    let text = kind === 'chinese' ? '【云片】' : ''
    while (text.length < target) text += pick(pieces[kind])
    messages.push(text)
  }
  return messages
}

/** `segment()` over 3,000 mixed messages beside sms-segments-calculator on the same corpus. */
export async function benchSegment(): Promise<BenchResult[]> {
  const messages = corpus(MESSAGES)
  const differences: string[] = []
  for (const text of messages) {
    const ours = segment(text).parts.length
    const theirs = new SegmentedMessage(text).segmentsCount
    if (ours !== theirs) differences.push(JSON.stringify(text.slice(0, 40)))
  }
  const run = (fn: (text: string) => unknown) => async () => {
    const started = performance.now()
    for (const text of messages) fn(text)
    return messages.length / ((performance.now() - started) / 1000)
  }
  const best = await compare(
    3,
    run((text) => segment(text)),
    run((text) => new SegmentedMessage(text)),
  )
  return [
    result({
      name: `segment() over ${MESSAGES.toLocaleString('en-US')} mixed messages`,
      ...best,
      unit: 'messages/s',
      goal: 3,
      against: 'sms-segments-calculator SegmentedMessage',
      note: `part counts differ on ${differences.length} of ${messages.length}${differences.length ? `: ${differences.slice(0, 3).join(', ')}` : ''}`,
    }),
  ]
}
