import { createRequire } from 'node:module'
import { StoreError, YunpianOptionsError } from '@yunpian-kit/core'
import { DEL, type Script, SET } from './scripts.js'

/** The part of an ioredis `Redis` or `Cluster` this package uses. */
export interface IoredisLike {
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  quit(): Promise<unknown>
}

/** The part of a node-redis v5 client or cluster this package uses. */
export interface NodeRedisLike {
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
}

export type RedisClientLike = IoredisLike | NodeRedisLike

type StoreErrorClass = new (message: string, init?: ErrorOptions) => StoreError

/** What every Redis store takes besides its connection. */
export interface RedisKeyOptions {
  /**
   * Key prefix, to share one Redis between apps.
   * @default 'ypk:'
   */
  prefix?: string | undefined
  /**
   * Per call, in milliseconds, so a stalled Redis cannot stall a request.
   * @default 500
   */
  timeoutMs?: number | undefined
}

/** A store on a client you own. */
export interface RedisClientConnection extends RedisKeyOptions {
  /** An ioredis `Redis` / `Cluster`, or a node-redis v5 client / cluster; never closed by the store. */
  client: RedisClientLike
  url?: never
}

/** A store on a connection of its own. */
export interface RedisUrlConnection extends RedisKeyOptions {
  /** Or a `redis://` / `rediss://` URL: the store creates an ioredis client and closes it in `close()`. */
  url: string
  client?: never
}

/** `{ client }` or `{ url }`, never both, plus `prefix` and `timeoutMs`. */
export type RedisConnectionOptions = RedisClientConnection | RedisUrlConnection

function isIoredis(client: RedisClientLike): client is IoredisLike {
  return typeof (client as IoredisLike).evalsha === 'function'
}

/**
 * The slot map of a node-redis v5 cluster. node-redis reloads it only on MOVED / ASK replies, so when a
 * master dies it keeps sending that master's slots to a node that is gone, also after a replica has taken
 * over. ioredis reloads it on connection errors by itself.
 */
interface NodeRedisSlots {
  rediscover(startWith: object): Promise<void>
  masters: { client?: { isReady?: boolean } }[]
}

function slotsOf(client: RedisClientLike): NodeRedisSlots | undefined {
  const slots = (client as { _slots?: Partial<NodeRedisSlots> })._slots
  return typeof slots?.rediscover === 'function' && Array.isArray(slots.masters)
    ? (slots as NodeRedisSlots)
    : undefined
}

/** A failed call reloads the slot map at most this often (per client, whichever stores share it). */
const SLOT_REFRESH_EVERY_MS = 250
const slotsRefreshedAt = new WeakMap<NodeRedisSlots, number>()

/**
 * After a failed or timed-out call on a node-redis cluster, asks a live master for the slot map (one
 * `CLUSTER SLOTS`), so a replica promoted by a failover is used as soon as the cluster says so. Nodes that
 * left the map are closed by node-redis, which ends the calls queued for them.
 */
function refreshSlots(slots: NodeRedisSlots): void {
  const now = Date.now()
  if (now - (slotsRefreshedAt.get(slots) ?? 0) < SLOT_REFRESH_EVERY_MS) return
  slotsRefreshedAt.set(slots, now)
  const start = slots.masters.find((m) => m.client?.isReady)?.client ?? slots.masters[0]?.client
  // When that node does not answer either, node-redis goes on to the root nodes.
  if (start) slots.rediscover(start).catch(() => undefined)
}

/**
 * One Redis connection as the stores use it: scripts by SHA with a NOSCRIPT fallback, keys with a prefix and
 * a hash tag per subject (so all keys one script touches share a Cluster slot), and a timeout on every call.
 */
export class RedisConnection {
  readonly prefix: string
  readonly #client: RedisClientLike
  readonly #owned: boolean
  readonly #timeoutMs: number
  readonly #ErrorClass: StoreErrorClass
  readonly #slots: NodeRedisSlots | undefined
  /** `Redis at host:port` for error messages (never the password). */
  readonly #where: string
  #closed = false

  /** `ErrorClass`: what failures are thrown as (`ThrottleStoreError`, `OtpStoreError`…). */
  constructor(options: RedisConnectionOptions, ErrorClass: StoreErrorClass) {
    this.#ErrorClass = ErrorClass
    // The types say one or the other; JavaScript callers get told at run time.
    const { client, url } = (options ?? {}) as { client?: RedisClientLike; url?: string }
    if (client && url !== undefined)
      badOption(
        'url',
        'goes without client: a Redis store takes client (one you own, never closed by the store) or url (the store creates and closes its own client), not both',
        url,
      )
    if (client) {
      this.#client = client
      this.#owned = false
    } else if (url !== undefined) {
      this.#client = createIoredis(checkedUrl(url))
      this.#owned = true
    } else
      badOption(
        'client',
        'is required, or url: a Redis store needs client (an ioredis or node-redis v5 client or cluster) or url (redis://…)',
        client,
      )
    this.#where = url !== undefined ? hostsOfUrl(url) : hostsOfClient(this.#client)
    this.#slots = slotsOf(this.#client)
    this.prefix = options?.prefix ?? 'ypk:'
    this.#timeoutMs = options?.timeoutMs ?? 500
    if (!Number.isFinite(this.#timeoutMs) || this.#timeoutMs <= 0)
      badOption('timeoutMs', 'must be a positive number', options.timeoutMs)
  }

  /** `ypk:{subject}:part`: every key of one subject hashes to one slot. */
  key(subject: string, part: string): string {
    return `${this.prefix}{${subject}}:${part}`
  }

  async run(script: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.#timed(async () => {
      try {
        return await this.#evalsha(script, keys, args)
      } catch (error) {
        if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error
        return this.#eval(script, keys, args)
      }
    })
  }

  /** `SET key value PX ttl [NX]`: true when set. */
  async set(key: string, value: string, ttlMs: number, onlyIfAbsent = false): Promise<boolean> {
    return (await this.run(SET, [key], [value, ttlMs, onlyIfAbsent ? '1' : '0'])) === 1
  }

  async del(key: string): Promise<void> {
    await this.run(DEL, [key], [])
  }

  /** Closes the client if this connection created it; a client you passed in stays open. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#owned) await (this.#client as IoredisLike).quit().catch(() => undefined)
  }

  #evalsha(script: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    const client = this.#client
    if (isIoredis(client)) return client.evalsha(script.sha, keys.length, ...keys, ...args)
    return client.evalSha(script.sha, { keys, arguments: args.map(String) })
  }

  #eval(script: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    const client = this.#client
    if (isIoredis(client)) return client.eval(script.source, keys.length, ...keys, ...args)
    return client.eval(script.source, { keys, arguments: args.map(String) })
  }

  /**
   * Every call gets a deadline. One unref'd timer sweeps the calls in flight, instead of a timer and a
   * promise race per call on this hot path.
   */
  #timed<T>(call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { deadline: Date.now() + this.#timeoutMs, reject }
      this.#pending.add(pending)
      this.#ensureSweeper()
      call().then(
        (value) => {
          this.#pending.delete(pending)
          resolve(value)
        },
        (error: unknown) => {
          this.#pending.delete(pending)
          if (this.#slots) refreshSlots(this.#slots)
          reject(
            error instanceof StoreError
              ? error
              : new this.#ErrorClass(`${this.#where} failed: ${(error as Error)?.message ?? String(error)}`, {
                  cause: error,
                }),
          )
        },
      )
    })
  }

  readonly #pending = new Set<Pending>()
  #sweeper: NodeJS.Timeout | undefined

  #ensureSweeper(): void {
    if (this.#sweeper) return
    const every = Math.max(10, Math.floor(this.#timeoutMs / 4))
    this.#sweeper = setInterval(() => {
      const now = Date.now()
      for (const pending of this.#pending) {
        if (pending.deadline > now) continue
        this.#pending.delete(pending)
        if (this.#slots) refreshSlots(this.#slots)
        pending.reject(new this.#ErrorClass(`${this.#where} did not answer within ${this.#timeoutMs} ms`))
      }
      if (this.#pending.size === 0) {
        clearInterval(this.#sweeper)
        this.#sweeper = undefined
      }
    }, every)
    this.#sweeper.unref()
  }
}

interface Pending {
  deadline: number
  reject: (error: Error) => void
}

/** Bad connection options, named as the store's user wrote them (the url without its password). */
function badOption(option: string, allowed: string, received: unknown): never {
  throw new YunpianOptionsError('@yunpian-kit/redis', {
    option,
    allowed,
    received: typeof received === 'string' && option === 'url' ? withoutPassword(received) : received,
  })
}

/** A URL ioredis can use, checked now rather than at the first request (`htp://nope` is refused). */
function checkedUrl(url: unknown): string {
  if (typeof url !== 'string' || !/^rediss?:\/\//i.test(url) || !URL.canParse(url))
    badOption('url', 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379', url)
  return url
}

function withoutPassword(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//…@')
}

function hostsOfUrl(url: string): string {
  const { hostname, port } = new URL(url)
  return `Redis at ${hostname || '127.0.0.1'}:${port || 6379}`
}

/** Where a client you passed in connects, read from its options as ioredis and node-redis keep them. */
function hostsOfClient(client: RedisClientLike): string {
  const c = client as {
    options?: { host?: string; port?: number; url?: string; socket?: { host?: string; port?: number } }
    startupNodes?: (string | number | { host?: string; port?: number })[]
    _options?: { rootNodes?: { url?: string; socket?: { host?: string; port?: number } }[] }
  }
  const nodes =
    c.startupNodes ??
    c._options?.rootNodes?.map((n) => (n.url ? n.url : { host: n.socket?.host, port: n.socket?.port }))
  if (nodes?.length) {
    const shown = nodes.slice(0, 3).map((node) => {
      if (typeof node === 'number') return `127.0.0.1:${node}`
      if (typeof node === 'string') return URL.canParse(node) ? hostsOfUrl(node).slice(9) : node
      return `${node.host ?? '127.0.0.1'}:${node.port ?? 6379}`
    })
    return `Redis Cluster at ${shown.join(', ')}${nodes.length > 3 ? ', …' : ''}`
  }
  const o = c.options
  if (o?.url && URL.canParse(o.url)) return hostsOfUrl(o.url)
  const host = o?.socket?.host ?? o?.host
  const port = o?.socket?.port ?? o?.port
  return host || port ? `Redis at ${host ?? '127.0.0.1'}:${port ?? 6379}` : 'Redis'
}

function createIoredis(url: string): IoredisLike {
  const require = createRequire(import.meta.url)
  let Redis: new (
    url: string,
    options: object,
  ) => IoredisLike & { on(event: string, listener: (e: unknown) => void): void }
  try {
    Redis = require('ioredis')
  } catch {
    badOption('url', 'needs ioredis installed (npm i ioredis), or pass your own client', url)
  }
  const client = new Redis(url, { maxRetriesPerRequest: 1, enableAutoPipelining: true })
  // Errors surface per call as store errors; the connection keeps retrying in the background.
  client.on('error', () => undefined)
  return client
}
