import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common'
import { Reflector } from '@nestjs/core'
import { OtpRateLimitedError, type ThrottleRule, type ThrottleStore } from '@yunpian-kit/core'
import { clientKeyOf } from './http.js'
import { YUNPIAN_MODULE_OPTIONS, YUNPIAN_THROTTLE_STORE, type YunpianModuleOptions } from './options.js'

const OTP_THROTTLE = 'yunpian-kit:otp-throttle'

/**
 * Limits a route of your own per client, with a rule set named in the module's `throttleRules` or given
 * here; pair with `@UseGuards(OtpThrottleGuard)`. Refusals become 429 problem documents.
 */
export const OtpThrottle = (rules: string | readonly ThrottleRule[]) => SetMetadata(OTP_THROTTLE, rules)

@Injectable()
export class OtpThrottleGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(YUNPIAN_THROTTLE_STORE) private readonly store: ThrottleStore,
    @Inject(YUNPIAN_MODULE_OPTIONS) private readonly options: YunpianModuleOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const declared = this.reflector.getAllAndOverride<string | readonly ThrottleRule[] | undefined>(
      OTP_THROTTLE,
      [context.getHandler(), context.getClass()],
    )
    if (!declared) return true
    const rules = typeof declared === 'string' ? this.options.throttleRules?.[declared] : declared
    if (!rules)
      throw new TypeError(
        `@yunpian-kit/nestjs: no throttleRules named "${declared}" in YunpianModule options`,
      )
    const route = `${context.getClass().name}.${context.getHandler().name}`
    const key = `route:${route}:${clientKeyOf(context.switchToHttp().getRequest())}`
    // Any client can create these keys: a full store sheds them before the OTP send budgets it shares.
    const decision = await this.store.consume(key, rules, { shedFirst: true })
    if (decision.allowed) return true
    const rule = rules.find((r) => r.name === decision.rule)
    throw new OtpRateLimitedError({
      scope: 'client',
      rule: decision.rule,
      retryAfterMs: decision.retryAfterMs,
      limit: rule?.limit,
      windowMs: rule?.windowMs,
    })
  }
}
