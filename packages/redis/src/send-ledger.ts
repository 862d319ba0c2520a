import { type SendLedger, SendLedgerError, type WatchedSend } from '@yunpian-kit/core'
import { RedisConnection, type RedisConnectionOptions } from './connection.js'
import { LEDGER_FORGET, LEDGER_REMEMBER, LEDGER_TAKE } from './report-scripts.js'

/** `{ client }` or `{ url }`, the key options, and the ledger's name. */
export type RedisSendLedgerOptions = RedisConnectionOptions & RedisSendLedgerSettings

/** What `RedisSendLedger` takes besides its connection. */
export interface RedisSendLedgerSettings {
  /**
   * The ledger's name: its keys are `{prefix}{name}:…`, one Cluster slot.
   * @default 'sends'
   */
  name?: string | undefined
}

/**
 * The reconciler's watched sends in Redis, shared by every instance: a sorted set by due time and a hash of
 * the sends, under one hash tag (one Cluster slot). Taking due sends moves them a lease ahead in the same
 * script, so two instances never look up the same send at once.
 */
export class RedisSendLedger implements SendLedger {
  readonly #redis: RedisConnection
  readonly #keys: [string, string]

  constructor(options: RedisSendLedgerOptions) {
    this.#redis = new RedisConnection(options, SendLedgerError)
    const name = options.name ?? 'sends'
    this.#keys = [this.#redis.key(name, 'due'), this.#redis.key(name, 'sends')]
  }

  async remember(sends: readonly WatchedSend[], dueAt: number): Promise<void> {
    if (sends.length === 0) return
    const args: (string | number)[] = [dueAt]
    for (const s of sends)
      args.push(s.sid, JSON.stringify({ sid: s.sid, mobile: s.mobile, sentAt: s.sentAt }))
    await this.#redis.run(LEDGER_REMEMBER, this.#keys, args)
  }

  async takeDue(now: number, limit: number, leaseMs: number): Promise<WatchedSend[]> {
    const rows = (await this.#redis.run(LEDGER_TAKE, this.#keys, [now, limit, leaseMs])) as string[]
    return rows.map((row) => JSON.parse(row) as WatchedSend)
  }

  async forget(sids: readonly string[]): Promise<void> {
    if (sids.length > 0) await this.#redis.run(LEDGER_FORGET, this.#keys, [...sids])
  }

  close(): Promise<void> {
    return this.#redis.close()
  }
}
