import {
  ConfigurableModuleBuilder,
  type DynamicModule,
  Inject,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common'
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
  YunpianOptionsError,
} from '@yunpian-kit/core'
import { checkWebhookOptions } from '@yunpian-kit/core/http'
import { YunpianBodies } from './bodies.js'
import { otpController, webhookController } from './controllers.js'
import { YunpianProblemFilter } from './filter.js'
import { OtpThrottleGuard } from './guard.js'
import {
  YUNPIAN_DEDUPE_STORE,
  YUNPIAN_MODULE_OPTIONS,
  YUNPIAN_OTP_STORE,
  YUNPIAN_PATHS,
  YUNPIAN_THROTTLE_STORE,
  type YunpianModuleExtras,
  type YunpianModuleOptions,
  type YunpianPaths,
} from './options.js'

const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<YunpianModuleOptions>({ optionsInjectionToken: YUNPIAN_MODULE_OPTIONS })
    .setClassMethodName('forRoot')
    // The builder keeps the extras out of the options provider and hands them to `mounted`.
    .setExtras<YunpianModuleExtras>({ isGlobal: false, mount: {} }, (definition, extras) =>
      mounted(definition, extras),
    )
    .build()

/** The options once checked: every provider of the module reads them through this, so a bad one fails the boot first. */
const CHECKED_OPTIONS = Symbol('yunpian-kit:checked-options')

const providers = [
  {
    provide: CHECKED_OPTIONS,
    useFactory: (o: YunpianModuleOptions) => {
      // forRoot checked its options when called; a factory's are known only now.
      requireOptions("YunpianModule.forRootAsync's factory", o)
      checkOptions(o)
      return o
    },
    inject: [YUNPIAN_MODULE_OPTIONS],
  },
  {
    provide: YUNPIAN_THROTTLE_STORE,
    // Route guards spend from the OTP service's own store when the app passed a service.
    useFactory: (o: YunpianModuleOptions) =>
      o.throttle ?? (isOtpService(o.otp) ? o.otp.throttle : new MemoryThrottleStore()),
    inject: [CHECKED_OPTIONS],
  },
  {
    provide: YUNPIAN_OTP_STORE,
    useFactory: (o: YunpianModuleOptions) => o.codes ?? new MemoryOtpStore(),
    inject: [CHECKED_OPTIONS],
  },
  {
    provide: YUNPIAN_DEDUPE_STORE,
    useFactory: (o: YunpianModuleOptions) => o.dedupe ?? new MemoryDedupeStore(),
    inject: [CHECKED_OPTIONS],
  },
  {
    provide: YunpianClient,
    useFactory: (o: YunpianModuleOptions) =>
      isYunpianClient(o.client) ? o.client : new YunpianClient(o.client),
    inject: [CHECKED_OPTIONS],
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
 * `isGlobal` and `mount` (where the OTP routes and the webhook go). Inject `YunpianClient` and `OtpService`;
 * guard your own routes with `@OtpThrottle(...)` and `OtpThrottleGuard`.
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
    refuseMovedPaths('YunpianModule.forRoot', options)
    // What forRoot is given says what to mount, unless `mount` says otherwise.
    const mount = {
      otp: options.mount?.otp ?? options.routes !== undefined,
      webhook: options.mount?.webhook ?? options.webhook !== undefined,
    }
    // biome-ignore lint/complexity/noThisInStatic: super binds `this` to YunpianModule, the module's identity
    return super.forRoot({ ...options, mount })
  }

  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    if (!options || !(options.useFactory || options.useClass || options.useExisting))
      throw new YunpianOptionsError(
        '@yunpian-kit/nestjs YunpianModule.forRootAsync',
        {
          option: 'useFactory',
          allowed: 'or useClass, useExisting, returning { client, otp }',
          received: options,
        },
        `@yunpian-kit/nestjs: YunpianModule.forRootAsync needs { useFactory } (or useClass, useExisting) returning { client, otp }, got ${describe(options)}`,
      )
    refuseMovedPaths('YunpianModule.forRootAsync', options)
    // biome-ignore lint/complexity/noThisInStatic: super binds `this` to YunpianModule, the module's identity
    return super.forRootAsync(options)
  }

  /** Closes the client when the module created it; one you passed in stays open. */
  async onApplicationShutdown(): Promise<void> {
    if (this.options.client !== this.client) await this.client.close()
  }
}

/** Controllers and the problem filter, from the extras (paths are fixed at boot). */
function mounted(definition: DynamicModule, extras: YunpianModuleExtras): DynamicModule {
  const prefix = mountPath('mount.otp', extras.mount?.otp, 'otp')
  const path = mountPath('mount.webhook', extras.mount?.webhook, 'yunpian/reports')
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

/** A mount option as a path without its slashes: `true` is the default path, `false` or nothing none. */
function mountPath(option: string, value: unknown, byDefault: string): string | undefined {
  if (value === undefined || value === false) return undefined
  const path = value === true ? byDefault : typeof value === 'string' ? trimSlashes(value) : ''
  if (path === '')
    throw new YunpianOptionsError('@yunpian-kit/nestjs YunpianModule', {
      option,
      allowed: `must be a path such as '${byDefault}', true (for '${byDefault}') or false`,
      received: value,
    })
  return path
}

/**
 * Paths used to sit in `routes.prefix` and `webhook.path` (and `routes`/`webhook` beside forRootAsync's
 * factory); say where they went rather than mount nothing.
 */
function refuseMovedPaths(where: string, options: object): void {
  const o = options as { routes?: { prefix?: unknown }; webhook?: { path?: unknown }; useFactory?: unknown }
  const async = where.endsWith('Async')
  const moved = [
    ...((async ? o.routes : o.routes?.prefix) !== undefined ? ['routes.prefix'] : []),
    ...((async ? o.webhook : o.webhook?.path) !== undefined ? ['webhook.path'] : []),
  ]
  if (moved.length > 0)
    throw new YunpianOptionsError(
      `@yunpian-kit/nestjs ${where}`,
      moved.map((option) => ({
        option,
        allowed: `moved to the mount extra: mount: { otp: 'otp', webhook: 'yunpian/reports' } beside ${async ? 'the factory' : 'the options'}`,
      })),
      `@yunpian-kit/nestjs: ${where}: ${moved.join(' and ')} moved to the mount extra: mount: { otp: 'otp', webhook: 'yunpian/reports' } beside ${async ? 'the factory' : 'the options'}`,
    )
}

/** What zod does not already check in the core's constructors: fails the boot, naming the option. */
function checkOptions(o: YunpianModuleOptions): void {
  requireOptions('YunpianModule options', o)
  const webhook = o.webhook
  if (!webhook) return
  // Replies are checked with the client options' apikey when the webhook names none.
  const apikey = webhook.apikey ?? (isYunpianClient(o.client) ? undefined : o.client.apikey)
  checkWebhookOptions('@yunpian-kit/nestjs YunpianModule', { ...webhook, apikey }, 'webhook.')
}

/** `forRoot()` and a factory returning nothing: name what is missing, not "Cannot convert undefined". */
function requireOptions(where: string, o: Partial<YunpianModuleOptions> | undefined): void {
  const missing = ['client', 'otp'].filter((key) => !o || o[key as keyof YunpianModuleOptions] == null)
  if (missing.length > 0)
    throw new YunpianOptionsError(
      `@yunpian-kit/nestjs ${where}`,
      missing.map((option) => ({ option, allowed: 'is required', received: o?.[option as 'client'] })),
      `@yunpian-kit/nestjs: ${where} needs { client, otp }; ${o ? `missing ${missing.join(', ')}` : `got ${describe(o)}`}`,
    )
}

function describe(value: unknown): string {
  return value === null || value === undefined ? String(value) : typeof value
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '')
}
