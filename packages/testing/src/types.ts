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

/** What `startFakeYunpian(options)` takes; every option has a default. */
export interface FakeYunpianOptions {
  /**
   * The apikey it accepts (32 characters, like a real one).
   * @default FAKE_APIKEY
   */
  apikey?: string | undefined
  /**
   * Where it listens.
   * @default '127.0.0.1'
   */
  host?: string | undefined
  /**
   * The port; 0 picks a free one.
   * @default 0
   */
  port?: number | undefined
  /**
   * Yunpian's per-recipient rules: anti-harassment (same text to one number: 1 per 30 s, 3 per 5 min; codes
   * 8, 9), on as at Yunpian, and anti-bombing (one number: 1 per 30 s, 3 per hour, 10 per 24 h; codes 33,
   * 22, 17), off unless asked for. `false` turns both off (benchmarks).
   * @default `{ antiHarassment: true, antiBombing: false }`
   */
  rules?: false | { antiHarassment?: boolean; antiBombing?: boolean } | undefined
  /**
   * Approved templates. When given, a text that matches none answers code 5.
   * @default none: any text is accepted
   */
  templates?: FakeTemplate[] | undefined
  /**
   * Approved signatures for `sign/get` (without 【】). `sign/add` adds more, under review.
   * @default []
   */
  signs?: string[] | undefined
  /**
   * Words a send may not contain (code 4) and `get_black_word` finds; `[]` for none.
   * @default ['代开发票']
   */
  blackWords?: string[] | undefined
  /**
   * How the docs and SDKs disagree, chosen here rather than guessed. `get_black_word`: `'array'` (how
   * yunpian-java-sdk reads v2) or `'object'` (`{"result":{"black_word":"a,b"}}`, Yunpian's docs example).
   * `tpl/update`: `'wrapped'` (`{"template":{…}}`, which the Java and Python SDKs unwrap first) or `'bare'`.
   * @default `{ blackWord: 'array', tplUpdate: 'wrapped' }`
   */
  answers?: { blackWord?: 'array' | 'object'; tplUpdate?: 'wrapped' | 'bare' } | undefined
  /**
   * ISO countries international numbers may be in. When given, others answer code 20.
   * @default every country
   */
  countries?: string[] | undefined
  /**
   * Start of the fake's clock (a fixed time), or a clock function; `fake.advance(ms)` moves it.
   * @default real time
   */
  now?: number | Date | (() => number) | undefined
  /**
   * Seed of the fake's random choices (fault ratios, report outcomes).
   * @default 1
   */
  seed?: number | undefined
  /**
   * Starting balance in RMB for `user/get`.
   * @default 1000
   */
  balance?: number | undefined
  /**
   * How the fake pushes delivery reports and replies.
   * @default `{}`: reports go only to a send's own `callback_url`
   */
  reports?: FakeReportsOptions | undefined
}

/** How the fake pushes delivery reports and replies, as Yunpian does but faster. */
export interface FakeReportsOptions {
  /**
   * Where reports go when a send had no `callback_url` (Yunpian's console-wide setting).
   * @default none: only `pull_status` returns them
   */
  pushUrl?: string | undefined
  /**
   * Where replies go.
   * @default none: only `pull_reply` returns them
   */
  replyUrl?: string | undefined
  /**
   * Real milliseconds between acceptance and the push.
   * @default 20
   */
  delayMs?: number | undefined
  /**
   * Share of messages reported delivered.
   * @default 1
   */
  successRatio?: number | undefined
  /**
   * Real milliseconds between status push retries (Yunpian waits 5 minutes).
   * @default 50
   */
  retryDelayMs?: number | undefined
  /**
   * Retries after the first status push, as Yunpian.
   * @default 3
   */
  retries?: number | undefined
  /**
   * Real milliseconds between reply push retries (Yunpian waits 1 minute).
   * @default 10
   */
  replyRetryDelayMs?: number | undefined
  /**
   * Retries after the first reply push, as Yunpian's reply docs say.
   * @default 5
   */
  replyRetries?: number | undefined
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
