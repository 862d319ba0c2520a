import type { IncomingHttpHeaders } from 'node:http'
import { ConfigurableModuleBuilder } from '@nestjs/common'
import type {
  DedupeStore,
  OtpService,
  OtpServiceOptions,
  OtpStore,
  ReplyRecord,
  ReportEvent,
  ReportQueue,
  StatusReport,
  ThrottleRule,
  ThrottleStore,
  YunpianClient,
  YunpianClientOptions,
} from '@yunpian-kit/core'

/**
 * The request as the platform hands it over: Express's `Request` on platform-express, Fastify's
 * `FastifyRequest` on platform-fastify. Annotate a callback's parameter with your platform's type
 * (`(mobile, req: Request) => …`) to use the rest of it.
 */
export interface PlatformRequest {
  /** The client address, after the platform's trust-proxy setting. */
  ip?: string
  headers: IncomingHttpHeaders
  method?: string
  url?: string
  body?: unknown
}

/** What `forRoot` takes, or `forRootAsync`'s factory returns. */
export interface YunpianModuleOptions {
  /** A client, or its options (the module then creates it and closes it on shutdown). */
  client: YunpianClient | YunpianClientOptions
  /** A service, or its options without `client`, `throttle`, `codes` (those come from the module). */
  otp: OtpService | Omit<OtpServiceOptions, 'client' | 'throttle' | 'codes'>
  /** Stores; in memory by default. Also overridable through their injection tokens. */
  throttle?: ThrottleStore
  codes?: OtpStore
  dedupe?: DedupeStore
  routes?: {
    purpose?: string
    /** Runs after a right code, before the 200 answer, with the canonical E.164 number. */
    onVerified?(mobile: string, request: PlatformRequest): unknown
    /** The per-client budget's key; default the platform's client address, IPv6 by /64. */
    clientKey?(request: PlatformRequest): string
    /** `RateLimit-Policy` and `RateLimit` on a sent code's 202 and verify's 200 and 401 too (default `true`). */
    rateLimitHeaders?: boolean
  }
  webhook?: {
    secret: string
    onStatus?(reports: StatusReport[], request: PlatformRequest): unknown
    onReply?(reply: ReplyRecord, request: PlatformRequest): unknown
    /** For reply signatures; default the client options' apikey. */
    apikey?: string
    /** A durable queue (`RedisReportQueue`): `SUCCESS` once stored there; its handlers run the reports. */
    queue?: ReportQueue
    onEvent?: (event: ReportEvent) => void
  }
  /** Named rule sets for `@OtpThrottle('name')` on your own routes. */
  throttleRules?: Record<string, readonly ThrottleRule[]>
}

/**
 * Route paths are fixed when the application boots, so they are `forRoot`/`forRootAsync` extras, beside the
 * factory: `YunpianModule.forRootAsync({ useFactory, routes: { prefix: 'otp' }, webhook: { path: … } })`.
 */
export interface YunpianModuleExtras {
  isGlobal?: boolean
  /** Mount `POST {prefix}/send` and `/verify` (default prefix `otp`), or `false`. */
  routes?: { prefix?: string } | false
  /** Mount `POST {path}/{secret}` (default path `yunpian/reports`), or `false`. */
  webhook?: { path?: string } | false
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: YUNPIAN_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<YunpianModuleOptions>({ moduleName: 'Yunpian' })
  .setClassMethodName('forRoot')
  // The extras shape the definition in YunpianModule.forRoot/forRootAsync (withRoutes).
  .setExtras<YunpianModuleExtras>(
    { isGlobal: false, routes: false, webhook: false },
    (definition) => definition,
  )
  .build()

/** Injection tokens of the stores, so apps can swap them (e.g. for the Redis ones). */
export const YUNPIAN_THROTTLE_STORE = Symbol.for('yunpian-kit:throttle-store')
export const YUNPIAN_OTP_STORE = Symbol.for('yunpian-kit:otp-store')
export const YUNPIAN_DEDUPE_STORE = Symbol.for('yunpian-kit:dedupe-store')
/** The paths the module mounted (`/otp`, `/yunpian/reports`), for its body handling and problem filter. */
export const YUNPIAN_PATHS = Symbol.for('yunpian-kit:paths')
export interface YunpianPaths {
  otp?: string
  webhook?: string
}
