import { type ArgumentsHost, Catch, HttpException, Inject } from '@nestjs/common'
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core'
import { YunpianError } from '@yunpian-kit/core'
import { problem, problemFor } from '@yunpian-kit/core/http'
import { type RouteKind, routeMatcher } from './bodies.js'
import { OtpThrottleException } from './guard.js'
import { report, write } from './http.js'
import { YUNPIAN_PATHS, type YunpianPaths } from './options.js'

/**
 * Renders this toolkit's errors as problem documents, and the platform's own 4xx (bad JSON, body too large)
 * on the module's routes; every other error goes to Nest's default handling unchanged. Registered
 * application-wide by the module, because body-parsing errors happen before any route-scoped filter.
 */
@Catch()
export class YunpianProblemFilter extends BaseExceptionFilter {
  readonly #kindOf: (path: string) => RouteKind

  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(YUNPIAN_PATHS) paths: YunpianPaths,
  ) {
    super()
    this.#kindOf = routeMatcher(paths)
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp()
    const response = http.getResponse()
    if (exception instanceof YunpianError) {
      write(response, problemFor(exception, report))
      return
    }
    if (exception instanceof OtpThrottleException) {
      write(response, exception.toAnswer())
      return
    }
    const url = String((http.getRequest() as { url?: string }).url ?? '').split('?', 1)[0]!
    const status = clientErrorStatus(exception)
    // The platform's own 4xx on the module's routes (bad JSON, body too large): answered, not logged.
    if (status !== undefined && this.#kindOf(url)) {
      write(
        response,
        status === 413
          ? problem(413, 'payload_too_large', 'The request body is too large.')
          : problem(400, 'invalid_request', 'The body is not valid JSON or form data.'),
      )
      return
    }
    // Nest fills BaseExceptionFilter's adapter by property injection, which needs decorator metadata;
    // hand it over explicitly instead.
    ;(this as unknown as { applicationRef?: unknown }).applicationRef ??= this.adapterHost.httpAdapter
    super.catch(exception, host)
  }
}

/** The 4xx status of a platform error: Nest's `HttpException`, or a parser's error with `statusCode`/`status`. */
function clientErrorStatus(exception: unknown): number | undefined {
  const status =
    exception instanceof HttpException
      ? exception.getStatus()
      : ((exception as { statusCode?: unknown; status?: unknown } | null)?.statusCode ??
        (exception as { status?: unknown } | null)?.status)
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined
}
