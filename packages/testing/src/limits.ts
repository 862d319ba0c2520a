/**
 * Yunpian's per-recipient rules as the server applies them: sliding windows over accepted messages.
 * Written apart from the core's throttle on purpose, so the fake is an independent referee.
 */
export interface LimitRule {
  windowMs: number
  limit: number
  code: number
  msg: string | null
  detail: string
}

export const ANTI_HARASSMENT: readonly LimitRule[] = [
  {
    windowMs: 30_000,
    limit: 1,
    code: 8,
    msg: '同一手机号同一内容30秒内重复提交',
    detail: '同一手机号30秒内重复提交相同的内容',
  },
  {
    windowMs: 300_000,
    limit: 3,
    code: 9,
    msg: '同一手机号5分钟内重复提交相同的内容超过3次',
    detail: '同一手机号5分钟内重复提交相同的内容超过3次',
  },
]

export const ANTI_BOMBING: readonly LimitRule[] = [
  {
    windowMs: 30_000,
    limit: 1,
    code: 33,
    msg: null,
    detail: '验证码类短信，同一号码同一模板30秒内只能发送一条',
  },
  {
    windowMs: 3_600_000,
    limit: 3,
    code: 22,
    msg: '验证码类短信1小时内同一手机号发送次数不能超过3次',
    detail: '验证码类短信1小时内同一手机号发送次数不能超过3次',
  },
  {
    windowMs: 86_400_000,
    limit: 10,
    code: 17,
    msg: '24小时内同一手机号发送次数超过限制',
    detail: '24小时内同一手机号发送次数超过限制',
  },
]

export class RecipientLimits {
  readonly #history = new Map<string, number[]>()

  /** The first rule that the next message would break, or undefined. Records nothing. */
  check(key: string, rules: readonly LimitRule[], now: number): LimitRule | undefined {
    const times = this.#history.get(key)
    if (!times) return undefined
    for (const rule of rules) {
      let inWindow = 0
      for (const t of times) if (t > now - rule.windowMs) inWindow++
      if (inWindow >= rule.limit) return rule
    }
    return undefined
  }

  record(key: string, rules: readonly LimitRule[], now: number): void {
    const longest = Math.max(...rules.map((r) => r.windowMs))
    const times = (this.#history.get(key) ?? []).filter((t) => t > now - longest)
    times.push(now)
    this.#history.set(key, times)
  }
}
