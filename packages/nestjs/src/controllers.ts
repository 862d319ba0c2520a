import { Controller, Inject, Logger, Param, Post, Req, Res, type Type } from '@nestjs/common'
import {
  answerOtpSend,
  answerOtpVerify,
  answerPush,
  type DedupeStore,
  notFound,
  OtpService,
  tooLarge,
  WEBHOOK_BODY_LIMIT,
  webhookSecretMatches,
  YunpianClient,
} from '@yunpian-kit/core'
import { bodyOf, clientKeyOf, headerOf, write } from './http.js'
import { YUNPIAN_DEDUPE_STORE, YUNPIAN_MODULE_OPTIONS, type YunpianModuleOptions } from './options.js'

const logger = new Logger('YunpianModule')
/** Provider and infrastructure errors go to Nest's logger; their detail never reaches the client. */
const report = (error: unknown) => logger.error(error instanceof Error ? error.message : String(error))

/** `POST {prefix}/send` and `/verify`. A class per prefix, since Nest reads paths from decorators. */
export function otpController(prefix: string): Type<unknown> {
  @Controller(prefix)
  class YunpianOtpController {
    constructor(
      @Inject(OtpService) private readonly otp: OtpService,
      @Inject(YUNPIAN_MODULE_OPTIONS) private readonly options: YunpianModuleOptions,
    ) {}

    @Post('send')
    async send(@Req() req: unknown, @Res() res: unknown): Promise<void> {
      const routes = this.options.routes ?? {}
      const clientKey = routes.clientKey?.(req) ?? clientKeyOf(req)
      write(res, await answerOtpSend(this.otp, bodyOf(req), clientKey, { purpose: routes.purpose, report }))
    }

    @Post('verify')
    async verify(@Req() req: unknown, @Res() res: unknown): Promise<void> {
      const routes = this.options.routes ?? {}
      const clientKey = routes.clientKey?.(req) ?? clientKeyOf(req)
      write(
        res,
        await answerOtpVerify(this.otp, bodyOf(req), clientKey, {
          purpose: routes.purpose,
          report,
          onVerified: routes.onVerified && ((mobile) => routes.onVerified?.(mobile, req)),
        }),
      )
    }
  }
  return YunpianOtpController
}

/** `POST {path}/{secret}`: Yunpian's status and reply pushes. */
export function webhookController(path: string): Type<unknown> {
  @Controller(path)
  class YunpianWebhookController {
    constructor(
      @Inject(YUNPIAN_MODULE_OPTIONS) private readonly options: YunpianModuleOptions,
      @Inject(YUNPIAN_DEDUPE_STORE) private readonly dedupe: DedupeStore,
      @Inject(YunpianClient) private readonly client: YunpianClient,
    ) {}

    @Post(':secret')
    async push(@Param('secret') secret: string, @Req() req: unknown, @Res() res: unknown): Promise<void> {
      const webhook = this.options.webhook
      if (!webhook || !webhookSecretMatches(webhook.secret, secret)) return write(res, notFound())
      if (Number(headerOf(req, 'content-length') ?? 0) > WEBHOOK_BODY_LIMIT)
        return write(res, tooLarge(WEBHOOK_BODY_LIMIT))
      const body = bodyOf(req)
      const apikey =
        webhook.apikey ??
        (this.options.client === this.client ? undefined : (this.options.client as { apikey: string }).apikey)
      write(
        res,
        await answerPush(typeof body === 'string' ? body : ((body ?? {}) as Record<string, unknown>), {
          secret: webhook.secret,
          dedupe: this.dedupe,
          apikey,
          queue: webhook.queue,
          onEvent: webhook.onEvent,
          report,
          onStatus: webhook.onStatus && ((reports) => webhook.onStatus?.(reports, req)),
          onReply: webhook.onReply && ((reply) => webhook.onReply?.(reply, req)),
        }),
      )
    }

    @Post()
    missingSecret(@Res() res: unknown): void {
      write(res, notFound())
    }
  }
  return YunpianWebhookController
}
