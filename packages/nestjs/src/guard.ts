import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common'
import { Reflector } from '@nestjs/core'
import type { ThrottleRule, ThrottleStore } from '@yunpian-kit/core'
import { checkRouteLimit, consumeRouteLimit, type RouteLimit } from '@yunpian-kit/core/http'
import { clientKeyOf, setHeaders } from './http.js'
import {
  type PlatformRequest,
  YUNPIAN_MODULE_OPTIONS,
  YUNPIAN_THROTTLE_STORE,
  type YunpianModuleOptions,
} from './options.js'

const OTP_THROTTLE = 'yunpian-kit:otp-throttle'

/** `@OtpThrottle(rules, options)`: whose budget (`key`), who passes uncounted (`skip`), its name (`id`). */
export type OtpThrottleOptions = Omit<RouteLimit<PlatformRequest>, 'rules'>

interface Declared {
  rules: string | readonly ThrottleRule[]
  options: OtpThrottleOptions
}

/**
 * Limits a route of your own per client, with a rule set named in the module's `throttleRules` or given
 * here; pair with `@UseGuards(OtpThrottleGuard)`. Refusals become the OTP routes' 429 problem documents,
 * with the same headers; the budget is `Class.handler`'s unless `options.id` names one to share.
 */
export const OtpThrottle = (rules: string | readonly ThrottleRule[], options: OtpThrottleOptions = {}) => {
  if (typeof rules !== 'string') checkRouteLimit('@yunpian-kit/nestjs: @OtpThrottle()', { ...options, rules })
  return SetMetadata(OTP_THROTTLE, { rules, options } satisfies Declared)
}

@Injectable()
export class OtpThrottleGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(YUNPIAN_THROTTLE_STORE) private readonly store: ThrottleStore,
    @Inject(YUNPIAN_MODULE_OPTIONS) private readonly options: YunpianModuleOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const declared = this.reflector.getAllAndOverride<Declared | undefined>(OTP_THROTTLE, [
      context.getHandler(),
      context.getClass(),
    ])
    if (!declared) return true
    const { options } = declared
    const rules =
      typeof declared.rules === 'string' ? this.options.throttleRules?.[declared.rules] : declared.rules
    if (!rules)
      throw new TypeError(
        `@yunpian-kit/nestjs: no throttleRules named "${declared.rules}" in YunpianModule options`,
      )
    const http = context.switchToHttp()
    const request = http.getRequest<PlatformRequest>()
    if (options.skip && (await options.skip(request))) return true
    const id = options.id ?? `${context.getClass().name}.${context.getHandler().name}`
    const key = options.key?.(request) ?? clientKeyOf(request)
    const outcome = await consumeRouteLimit(this.store, id, key, rules, { headers: options.headers })
    // The module's filter renders it: 429, or 503 for a store that cannot answer.
    if (!outcome.allowed) throw outcome.error
    setHeaders(http.getResponse(), outcome.headers)
    return true
  }
}
