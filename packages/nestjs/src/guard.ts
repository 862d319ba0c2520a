import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  SetMetadata,
} from '@nestjs/common'
import { Reflector } from '@nestjs/core'
import { type ThrottleRule, type ThrottleStore, YunpianOptionsError } from '@yunpian-kit/core'
import {
  checkRouteLimit,
  consumeRouteLimit,
  type HttpAnswer,
  problemFor,
  type RouteLimit,
} from '@yunpian-kit/core/http'
import { clientKeyOf, report, setHeaders } from './http.js'
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
 * here; pair with `@UseGuards(OtpThrottleGuard)`. A refusal throws `OtpThrottleException`: the OTP routes'
 * 429 problem document, with the same headers; the budget is `Class.handler`'s unless `options.id` names one
 * to share.
 */
export const OtpThrottle = (rules: string | readonly ThrottleRule[], options: OtpThrottleOptions = {}) => {
  if (typeof rules !== 'string') checkRouteLimit('@yunpian-kit/nestjs @OtpThrottle()', { ...options, rules })
  return SetMetadata(OTP_THROTTLE, { rules, options } satisfies Declared)
}

/**
 * What `OtpThrottleGuard` throws for a refused request, as `@nestjs/throttler` throws its
 * `ThrottlerException`: an `HttpException` whose status (429, or 503 when the store cannot answer) and
 * response (the problem document) are the contract's, with the headers that go with them (`Retry-After`,
 * `RateLimit-Policy`, `RateLimit`). The module's filter sends all three; an exception filter of your own
 * finds them on `getStatus()`, `getResponse()` and `headers`, and the toolkit's error on `cause`.
 */
export class OtpThrottleException extends HttpException {
  /** The answer's headers, `content-type: application/problem+json` included. */
  readonly headers: Readonly<Record<string, string>>

  constructor(answer: HttpAnswer, cause?: unknown) {
    super(JSON.parse(answer.body) as Record<string, unknown>, answer.status, { cause })
    this.headers = answer.headers
  }

  /** The answer as the module's filter writes it. */
  toAnswer(): HttpAnswer {
    return {
      status: this.getStatus(),
      headers: { ...this.headers },
      body: JSON.stringify(this.getResponse()),
    }
  }
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
      throw new YunpianOptionsError(
        '@yunpian-kit/nestjs @OtpThrottle()',
        {
          option: 'rules',
          allowed: `must name a rule set in YunpianModule's throttleRules (${Object.keys(this.options.throttleRules ?? {}).join(', ') || 'none given'})`,
          received: declared.rules,
        },
        `@yunpian-kit/nestjs: no throttleRules named "${declared.rules}" in YunpianModule options`,
      )
    const http = context.switchToHttp()
    const request = http.getRequest<PlatformRequest>()
    if (options.skip && (await options.skip(request))) return true
    const id = options.id ?? `${context.getClass().name}.${context.getHandler().name}`
    const key = options.key?.(request) ?? clientKeyOf(request)
    const outcome = await consumeRouteLimit(this.store, id, key, rules, { headers: options.headers })
    if (!outcome.allowed) throw new OtpThrottleException(problemFor(outcome.error, report), outcome.error)
    setHeaders(http.getResponse(), outcome.headers)
    return true
  }
}
