import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common'
import { APP_FILTER } from '@nestjs/core'
import {
  isOtpService,
  isYunpianClient,
  MemoryDedupeStore,
  MemoryOtpStore,
  MemoryThrottleStore,
  OtpService,
  type OtpStore,
  type ThrottleStore,
  YunpianClient,
} from '@yunpian-kit/core'
import { checkWebhookOptions } from '@yunpian-kit/core/http'
import { YunpianBodies } from './bodies.js'
import { otpController, webhookController } from './controllers.js'
import { YunpianProblemFilter } from './filter.js'
import { OtpThrottleGuard } from './guard.js'
import {
  type ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  type OPTIONS_TYPE,
  YUNPIAN_DEDUPE_STORE,
  YUNPIAN_MODULE_OPTIONS,
  YUNPIAN_OTP_STORE,
  YUNPIAN_PATHS,
  YUNPIAN_THROTTLE_STORE,
  type YunpianModuleExtras,
  type YunpianModuleOptions,
  type YunpianPaths,
} from './options.js'

const providers = [
  {
    provide: YUNPIAN_THROTTLE_STORE,
    // Route guards spend from the OTP service's own store when the app passed a service.
    useFactory: (o: YunpianModuleOptions) =>
      o.throttle ?? (isOtpService(o.otp) ? o.otp.throttle : new MemoryThrottleStore()),
    inject: [YUNPIAN_MODULE_OPTIONS],
  },
  {
    provide: YUNPIAN_OTP_STORE,
    useFactory: (o: YunpianModuleOptions) => o.codes ?? new MemoryOtpStore(),
    inject: [YUNPIAN_MODULE_OPTIONS],
  },
  {
    provide: YUNPIAN_DEDUPE_STORE,
    useFactory: (o: YunpianModuleOptions) => o.dedupe ?? new MemoryDedupeStore(),
    inject: [YUNPIAN_MODULE_OPTIONS],
  },
  {
    provide: YunpianClient,
    useFactory: (o: YunpianModuleOptions) => {
      checkOptions(o)
      return isYunpianClient(o.client) ? o.client : new YunpianClient(o.client)
    },
    inject: [YUNPIAN_MODULE_OPTIONS],
  },
  {
    provide: OtpService,
    useFactory: (o: YunpianModuleOptions, client: YunpianClient, throttle: ThrottleStore, codes: OtpStore) =>
      isOtpService(o.otp) ? o.otp : new OtpService({ ...o.otp, client, throttle, codes }),
    inject: [YUNPIAN_MODULE_OPTIONS, YunpianClient, YUNPIAN_THROTTLE_STORE, YUNPIAN_OTP_STORE],
  },
  OtpThrottleGuard,
]

/**
 * `YunpianModule.forRoot(options)` / `forRootAsync({ useFactory | useClass | useExisting })`, with extras
 * `isGlobal`, `routes` and `webhook`. Inject `YunpianClient` and `OtpService`; guard your own routes with
 * `@OtpThrottle(...)` and `OtpThrottleGuard`.
 */
@Module({
  providers,
  exports: [
    YunpianClient,
    OtpService,
    YUNPIAN_THROTTLE_STORE,
    YUNPIAN_OTP_STORE,
    YUNPIAN_DEDUPE_STORE,
    // The guard runs in the importing module's context: it needs the options (named rule sets) there.
    YUNPIAN_MODULE_OPTIONS,
    OtpThrottleGuard,
  ],
})
export class YunpianModule extends ConfigurableModuleClass implements OnApplicationShutdown {
  constructor(
    @Inject(YUNPIAN_MODULE_OPTIONS) private readonly options: YunpianModuleOptions,
    @Inject(YunpianClient) private readonly client: YunpianClient,
  ) {
    super()
  }

  static override forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    requireOptions('YunpianModule.forRoot', options)
    // biome-ignore lint/complexity/noThisInStatic: super binds `this` to YunpianModule, the module's identity
    const definition = withRoutes(super.forRoot(options), options)
    // The builder strips extras from the options; here `routes` and `webhook` carry both the paths (extras)
    // and the handlers (options), so the options provider gets the whole object.
    definition.providers = (definition.providers ?? []).map((provider) =>
      typeof provider === 'object' && 'provide' in provider && provider.provide === YUNPIAN_MODULE_OPTIONS
        ? { provide: YUNPIAN_MODULE_OPTIONS, useValue: options }
        : provider,
    )
    return definition
  }

  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    if (!options || !(options.useFactory || options.useClass || options.useExisting))
      throw new TypeError(
        `@yunpian-kit/nestjs: YunpianModule.forRootAsync needs { useFactory } (or useClass, useExisting) returning { client, otp }, got ${describe(options)}`,
      )
    // biome-ignore lint/complexity/noThisInStatic: super binds `this` to YunpianModule, the module's identity
    const definition = withRoutes(super.forRootAsync(options), options)
    // Check what the factory returns before any provider reads it, so a factory returning nothing says so.
    definition.providers = (definition.providers ?? []).map((provider) =>
      typeof provider === 'object' && 'useFactory' in provider && provider.provide === YUNPIAN_MODULE_OPTIONS
        ? {
            ...provider,
            useFactory: async (...args: unknown[]) => {
              const resolved = await provider.useFactory(...args)
              requireOptions("YunpianModule.forRootAsync's factory", resolved)
              return resolved
            },
          }
        : provider,
    )
    return definition
  }

  /** Closes the client when the module created it; one you passed in stays open. */
  async onApplicationShutdown(): Promise<void> {
    if (this.options.client !== this.client) await this.client.close()
  }
}

/** Controllers and the problem filter, from the extras (paths are fixed at boot). */
function withRoutes(definition: DynamicModule, extras: YunpianModuleExtras): DynamicModule {
  const prefix = extras.routes ? trimSlashes(extras.routes.prefix ?? 'otp') : undefined
  const path = extras.webhook ? trimSlashes(extras.webhook.path ?? 'yunpian/reports') : undefined
  return {
    ...definition,
    global: extras.isGlobal ?? false,
    controllers: [...(prefix ? [otpController(prefix)] : []), ...(path ? [webhookController(path)] : [])],
    providers: [
      ...(definition.providers ?? []),
      {
        provide: YUNPIAN_PATHS,
        useValue: { otp: prefix && `/${prefix}`, webhook: path && `/${path}` } satisfies YunpianPaths,
      },
      YunpianBodies,
      { provide: APP_FILTER, useClass: YunpianProblemFilter },
    ],
  }
}

/** What zod does not already check in the core's constructors: fails the boot, naming the option. */
function checkOptions(o: YunpianModuleOptions): void {
  requireOptions('YunpianModule options', o)
  const webhook = o.webhook
  if (!webhook) return
  // Replies are checked with the client options' apikey when the webhook names none.
  const apikey = webhook.apikey ?? (isYunpianClient(o.client) ? undefined : o.client.apikey)
  checkWebhookOptions(
    { package: '@yunpian-kit/nestjs', name: (field) => (field ? `webhook.${field}` : 'webhook') },
    { ...webhook, apikey },
  )
}

/** `forRoot()` and a factory returning nothing: name what is missing, not "Cannot convert undefined". */
function requireOptions(where: string, o: Partial<YunpianModuleOptions> | undefined): void {
  const missing = ['client', 'otp'].filter((key) => !o || o[key as keyof YunpianModuleOptions] == null)
  if (missing.length > 0)
    throw new TypeError(
      `@yunpian-kit/nestjs: ${where} needs { client, otp }; ${o ? `missing ${missing.join(', ')}` : `got ${describe(o)}`}`,
    )
}

function describe(value: unknown): string {
  return value === null || value === undefined ? String(value) : typeof value
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '')
}
