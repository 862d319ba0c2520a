import { type ArgumentsHost, Catch, HttpException, Inject } from '@nestjs/common'
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core'
import { problem, problemFor, YunpianError } from '@yunpian-kit/core'
import { write } from './http.js'
import { YUNPIAN_PATHS } from './options.js'

/**
 * Renders this toolkit's errors as problem documents, and the platform's own 4xx (bad JSON, body too large)
 * on the module's routes; every other error goes to Nest's default handling unchanged. Registered
 * application-wide by the module, because body-parsing errors happen before any route-scoped filter.
 */
@Catch()
export class YunpianProblemFilter extends BaseExceptionFilter {
  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(YUNPIAN_PATHS) private readonly paths: string[],
  ) {
    super()
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp()
    const response = http.getResponse()
    if (exception instanceof YunpianError) {
      write(response, problemFor(exception))
      return
    }
    const url = String((http.getRequest() as { url?: string }).url ?? '')
    const ours = this.paths.some((path) => url === path || url.startsWith(`${path}/`))
    if (ours && exception instanceof HttpException && exception.getStatus() < 500) {
      write(
        response,
        exception.getStatus() === 413
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
