import type { IncomingHttpHeaders } from 'node:http'
import type {
  DedupeStore,
  OtpService,
  OtpServiceOptions,
  OtpStore,
  ThrottleRule,
  ThrottleStore,
  YunpianClient,
  YunpianClientOptions,
} from '@yunpian-kit/core'
import type { WebhookOptions } from '@yunpian-kit/core/http'

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
  /** A `YunpianClient`, or its options (the module then creates it and closes it on shutdown). */
  client: YunpianClient | YunpianClientOptions
  /** An `OtpService`, or its options without `client`, `throttle`, `codes` (those come from the module). */
  otp: OtpService | Omit<OtpServiceOptions, 'client' | 'throttle' | 'codes'>
  /**
   * Where send and verify budgets are counted (also `@OtpThrottle`'s); or provide `YUNPIAN_THROTTLE_STORE`.
   * @default the `OtpService`'s own store when you pass one, else a `MemoryThrottleStore`
   */
  throttle?: ThrottleStore | undefined
  /**
   * Where codes live; or provide `YUNPIAN_OTP_STORE`.
   * @default a `MemoryOtpStore`
   */
  codes?: OtpStore | undefined
  /**
   * Where the webhook remembers pushes it has taken; or provide `YUNPIAN_DEDUPE_STORE`.
   * @default a `MemoryDedupeStore`
   */
  dedupe?: DedupeStore | undefined
  /**
   * How the OTP routes behave, when `mount.otp` mounts them.
   * @default `{}`: each field's default
   */
  routes?: YunpianRoutesOptions | undefined
  /**
   * Who takes Yunpian's pushes, when `mount.webhook` mounts the webhook.
   * @default none: no webhook
   */
  webhook?: YunpianWebhookOptions | undefined
  /**
   * Named rule sets for `@OtpThrottle('name')` on your own routes.
   * @default none: `@OtpThrottle` takes its rules inline
   */
  throttleRules?: Record<string, readonly ThrottleRule[]> | undefined
}

/** How `POST {mount.otp}/send` and `/verify` behave. */
export interface YunpianRoutesOptions {
  /**
   * What the codes are for.
   * @default 'login'
   */
  purpose?: string | undefined
  /** `(mobile, request) => unknown`: runs after a right code, before the 200 answer, with the E.164 number. */
  onVerified?(mobile: string, request: PlatformRequest): unknown
  /**
   * The per-client budget's key.
   * @default the platform's client address, IPv6 by /64
   */
  clientKey?(request: PlatformRequest): string
  /**
   * `RateLimit-Policy` and `RateLimit` on a sent code's 202 and verify's 200 and 401 too (a 429 always has them).
   * @default true
   */
  rateLimitHeaders?: boolean | undefined
}

/**
 * What `POST {mount.webhook}/{secret}` does with Yunpian's pushes: the webhook options every adapter takes,
 * without `dedupe` (the module's `dedupe` option, or the `YUNPIAN_DEDUPE_STORE` token).
 */
export interface YunpianWebhookOptions extends Omit<WebhookOptions<PlatformRequest>, 'dedupe'> {
  /**
   * Your apikey, to check reply signatures.
   * @default the client options' apikey
   */
  apikey?: string | undefined
}

/**
 * Where the module mounts its routes. Paths are fixed when the application boots, so they are extras of
 * `forRoot`/`forRootAsync`, beside the options or the factory:
 * `YunpianModule.forRootAsync({ useFactory, mount: { otp: 'otp', webhook: 'yunpian/reports' } })`.
 */
export interface YunpianMountOptions {
  /**
   * `POST {otp}/send` and `/verify`: a path prefix, `true` for `'otp'`, or `false` for none.
   * @default with `forRoot`, `'otp'` when `routes` is given; with `forRootAsync`, not mounted
   */
  otp?: string | boolean | undefined
  /**
   * `POST {webhook}/{secret}`: a path, `true` for `'yunpian/reports'`, or `false` for none.
   * @default with `forRoot`, `'yunpian/reports'` when `webhook` is given; with `forRootAsync`, not mounted
   */
  webhook?: string | boolean | undefined
}

/** What `forRoot` and `forRootAsync` take besides the options: they shape the module itself. */
export interface YunpianModuleExtras {
  /**
   * Export the providers to every module.
   * @default false
   */
  isGlobal?: boolean | undefined
  /** Where the OTP routes and the webhook are mounted. */
  mount?: YunpianMountOptions | undefined
}

/** The options as `forRoot` got them or `forRootAsync`'s factory returned them (the extras left out). */
export const YUNPIAN_MODULE_OPTIONS = 'YUNPIAN_MODULE_OPTIONS'

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
