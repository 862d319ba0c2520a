// The one config every example server shares: client, OTP service, stores, webhook and a status log.
import { randomBytes } from 'node:crypto'
import {
  type CountryCode,
  type DedupeStore,
  MemoryDedupeStore,
  OtpService,
  type OtpServiceOptions,
  type OtpStore,
  type StatusReport,
  type ThrottleStore,
  YunpianClient,
} from '@yunpian-kit/core'
import { RedisBrakeStore, RedisDedupeStore, RedisOtpStore, RedisThrottleStore } from '@yunpian-kit/redis'
import { FAKE_APIKEY, type FakeYunpian, startFakeYunpian } from '@yunpian-kit/testing'
import { Redis } from 'ioredis'
import { type AdminHandler, adminHandler, mask } from './admin.js'

export interface ExampleServices {
  client: YunpianClient
  otp: OtpService
  /** The fake Yunpian, when no YUNPIAN_APIKEY is set. */
  fake: FakeYunpian | undefined
  webhook: {
    path: string
    secret: string
    apikey: string
    dedupe: DedupeStore
    onStatus: (r: StatusReport[]) => void
  }
  /** The newest delivery reports, newest first (at most 50), their numbers masked. */
  statusLog: StatusReport[]
  /** The admin page at `/admin`, when ADMIN_TOKEN is set (loopback only). */
  admin: AdminHandler | undefined
  stores: 'redis' | 'memory'
  /** Which Yunpian it talks to, for the start-up line. */
  yunpian: string
  /** Prints a line of the example's own (`quiet` silences it, so the demo's table stands alone). */
  say(line: string): void
  close(): Promise<void>
}

export interface ExampleOptions {
  /** Where this server listens; the webhook URL given to Yunpian is built from it (or PUBLIC_URL). */
  port: number
  env?: NodeJS.ProcessEnv
  /** A fake to share between servers (the demo runs three); one is started otherwise. */
  fake?: FakeYunpian
  /** Key prefix, so servers sharing one Redis keep apart in the demo. */
  redisPrefix?: string
  /** No lines of the example's own (the demo prints one table). */
  quiet?: boolean
  /** OtpService options over the example's own (tests: a clock, small brake thresholds). */
  otp?: Partial<OtpServiceOptions>
}

export async function createServices(options: ExampleOptions) {
  const { port, env = process.env, fake: shared, redisPrefix } = options
  // YUNPIAN_BASE_URL: a Yunpian started elsewhere (`npx yunpian-fake`, whose apikey is the default here).
  const baseUrl = env.YUNPIAN_BASE_URL || undefined
  const inProcess = !env.YUNPIAN_APIKEY && !baseUrl
  const fake = inProcess ? (shared ?? (await startFakeYunpian())) : undefined
  const apikey = env.YUNPIAN_APIKEY || fake?.apikey || FAKE_APIKEY
  const client = new YunpianClient({
    apikey,
    region: env.YUNPIAN_REGION === 'us' ? 'us' : 'cn',
    ...(fake ? { baseUrl: fake.url } : baseUrl ? { baseUrl } : {}),
  })
  const redis = env.REDIS_URL ? new Redis(env.REDIS_URL) : undefined
  redis?.on('error', () => undefined) // each call reports its own failure as a store error
  const prefix = redisPrefix ?? 'ypk:'
  const throttle: ThrottleStore | undefined = redis && new RedisThrottleStore({ client: redis, prefix })
  const codes: OtpStore | undefined = redis && new RedisOtpStore({ client: redis, prefix })
  // The brake's figures and pauses, shared, so the admin page and every instance see the same.
  const brakeStore = redis && new RedisBrakeStore({ client: redis, prefix })
  const dedupe: DedupeStore = redis
    ? new RedisDedupeStore({ client: redis, prefix })
    : new MemoryDedupeStore()
  const secret = env.WEBHOOK_SECRET || randomBytes(16).toString('hex')
  const path = '/yunpian/reports'
  const publicUrl = (env.PUBLIC_URL || `http://127.0.0.1:${port}`).replace(/\/$/, '')
  const signature = env.SIGNATURE || '【yunpian-kit】'
  const statusLog: StatusReport[] = []
  const otp = new OtpService({
    client,
    secret: env.OTP_SECRET || randomBytes(32).toString('hex'),
    message: ({ code, ttlMinutes }) =>
      `${signature}Your verification code is ${code}. It expires in ${ttlMinutes} minutes.`,
    countries: (env.COUNTRIES || 'GB,SG,CN,US').split(',').map((c) => c.trim()) as CountryCode[],
    callbackUrl: `${publicUrl}${path}/${secret}`,
    ...(throttle && codes ? { throttle, codes, brakeStore } : {}),
    ...options.otp,
  })
  return {
    client,
    otp,
    fake,
    webhook: {
      path,
      secret,
      apikey,
      dedupe,
      onStatus: async (reports) => {
        // Served by GET /status without a token, and on the admin page: no whole number is kept.
        statusLog.unshift(...reports.toReversed().map((r) => ({ ...r, mobile: mask(r.mobile) })))
        statusLog.splice(50)
        // Undelivered codes are not evidence of pumping: the brake needs to hear of them.
        await otp.report(reports)
      },
    },
    statusLog,
    admin: adminHandler({ token: env.ADMIN_TOKEN || undefined, otp, statusLog }),
    stores: redis ? 'redis' : 'memory',
    yunpian: fake ? 'fake Yunpian' : baseUrl ? `Yunpian at ${baseUrl}` : 'real Yunpian',
    say: options.quiet ? () => undefined : (line: string) => console.log(line),
    async close() {
      await client.close()
      redis?.disconnect()
      if (fake && !shared) await fake.close()
    },
  } satisfies ExampleServices
}
