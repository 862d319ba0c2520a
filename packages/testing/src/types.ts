import type { PushAttempt } from './courier.js'
import type { FaultKind, FaultOptions } from './faults.js'
import type { TemplateStatus } from './templates.js'

/** The apikey the fake accepts unless told otherwise (32 characters, like a real one). */
export const FAKE_APIKEY = 'fa4e0000000000000000000000000000'

export interface FakeTemplate {
  /** `tpl_id` for `tpl_single_send`; assigned from 1 when omitted. */
  id?: number
  /** With `#name#` placeholders, e.g. `【Acme】Your code is #code#`. */
  text: string
  /** ISO countries an international number may be in for this template (else code 23). */
  countries?: string[]
}

export interface FakeYunpianOptions {
  apikey?: string
  host?: string
  /** 0 (default) picks a free port. */
  port?: number
  /**
   * Yunpian's per-recipient rules. Anti-harassment (same text to one number: 1 per 30 s, 3 per 5 min;
   * codes 8, 9) is on by default, as at Yunpian; anti-bombing (one number: 1 per 30 s, 3 per hour, 10 per
   * 24 h; codes 33, 22, 17) is off unless asked for. `false` turns both off (benchmarks).
   */
  rules?: false | { antiHarassment?: boolean; antiBombing?: boolean }
  /** Approved templates. When given, a text that matches none answers code 5. */
  templates?: FakeTemplate[]
  /** Approved signatures for `sign/get` (without 【】). `sign/add` adds more, under review. */
  signs?: string[]
  /**
   * Words a send may not contain (code 4) and `get_black_word` finds. Default `['代开发票']`; `[]` for
   * none.
   */
  blackWords?: string[]
  /**
   * How the docs and SDKs disagree, chosen here rather than guessed. `get_black_word`: `'array'`
   * (default; how yunpian-java-sdk reads v2) or `'object'` (`{"result":{"black_word":"a,b"}}`, Yunpian's
   * docs example). `tpl/update`: `'wrapped'` (default, `{"template":{…}}`, which the Java and Python SDKs
   * unwrap first) or `'bare'`.
   */
  answers?: { blackWord?: 'array' | 'object'; tplUpdate?: 'wrapped' | 'bare' }
  /** ISO countries international numbers may be in. When given, others answer code 20. */
  countries?: string[]
  /** Start of the fake's clock (a fixed time), or a clock function; real time by default. */
  now?: number | Date | (() => number)
  /** Seed of the fake's random choices (fault ratios, report outcomes). */
  seed?: number
  /** Starting balance in RMB for `user/get` (default 1000). */
  balance?: number
  reports?: {
    /** Where reports go when a send had no `callback_url` (Yunpian's console-wide setting). */
    pushUrl?: string
    /** Where replies go. */
    replyUrl?: string
    /** Real milliseconds between acceptance and the push (default 20). */
    delayMs?: number
    /** Share of messages reported delivered (default 1). */
    successRatio?: number
    /** Real milliseconds between status push retries (default 50; Yunpian waits 5 minutes). */
    retryDelayMs?: number
    /** Retries after the first status push (default 3, as Yunpian). */
    retries?: number
    /** Real milliseconds between reply push retries (default 10; Yunpian waits 1 minute). */
    replyRetryDelayMs?: number
    /** Retries after the first reply push (default 5, as Yunpian's reply docs say). */
    replyRetries?: number
  }
}

/** A message the fake accepted. */
export interface OutboxMessage {
  sid: string
  /** As Yunpian normalises it: mainland numbers without +86, others E.164. */
  mobile: string
  text: string
  endpoint: string
  uid: string | null
  extend: string | null
  callbackUrl: string | null
  register: boolean
  tplId: number | null
  count: number
  fee: number
  /** On the fake's clock. */
  sentAt: number
  report: 'SUCCESS' | 'FAIL'
}

export interface Outbox {
  all(): readonly OutboxMessage[]
  /** The newest message to `mobile` (as sent or normalised), if any. */
  last(mobile: string): OutboxMessage | undefined
  /** The last run of 4 to 10 digits in the newest message to `mobile`: the verification code. */
  lastCode(mobile: string): string | undefined
  clear(): void
  readonly size: number
}

export interface FakeYunpian {
  /** `http://127.0.0.1:PORT`, to give the client as `baseUrl`. */
  readonly url: string
  readonly apikey: string
  readonly outbox: Outbox
  /** Every push the fake made, with the receiver's answer. */
  readonly pushes: readonly PushAttempt[]
  /** Number of HTTP calls answered or dropped, by endpoint. */
  readonly calls: ReadonlyMap<string, number>
  /** Moves the fake's clock (limits, report times) forward. */
  advance(ms: number): void
  now(): number
  fault(kind: FaultKind, options?: FaultOptions): void
  clearFaults(): void
  /** An inbound SMS from `mobile`: pushed to `reports.replyUrl` and kept for `pull_reply`. */
  reply(reply: { mobile: string; text: string; extend?: string }): void
  /** Yunpian's review of a template added or changed through `tpl/add` / `tpl/update`. */
  reviewTemplate(id: number, status: TemplateStatus, reason?: string): void
  /** Adds status reports straight to the `pull_status` queue (load tests), without sending. */
  queueStatusReports(count: number): void
  /** Resolves once every scheduled push, retries included, has finished. */
  reportsSettled(): Promise<void>
  close(): Promise<void>
}
