import { Controller, Inject, Param, Post, Req, Res, type Type } from '@nestjs/common'
import { type DedupeStore, OtpService, YunpianClient } from '@yunpian-kit/core'
import {
  answerOtpSend,
  answerOtpVerify,
  answerPush,
  notFound,
  pushBodyOf,
  webhookSecretMatches,
} from '@yunpian-kit/core/http'
import { clientKeyOf, report, write } from './http.js'
import {
  type PlatformRequest,
  YUNPIAN_DEDUPE_STORE,
  YUNPIAN_MODULE_OPTIONS,
  type YunpianModuleOptions,
} from './options.js'

/** `POST {prefix}/send` and `/verify`. A class per prefix, since Nest reads paths from decorators. */
export function otpController(prefix: string): Type<unknown> {
  @Controller(prefix)
  class YunpianOtpController {
    constructor(
      @Inject(OtpService) private readonly otp: OtpService,
      @Inject(YUNPIAN_MODULE_OPTIONS) private readonly options: YunpianModuleOptions,
    ) {}

    @Post('send')
    async send(@Req() req: PlatformRequest, @Res() res: unknown): Promise<void> {
      const routes = this.options.routes ?? {}
      const clientKey = routes.clientKey?.(req) ?? clientKeyOf(req)
      write(
        res,
        await answerOtpSend(this.otp, req.body, clientKey, {
          purpose: routes.purpose,
          report,
          rateLimitHeaders: routes.rateLimitHeaders,
        }),
      )
    }

    @Post('verify')
    async verify(@Req() req: PlatformRequest, @Res() res: unknown): Promise<void> {
      const routes = this.options.routes ?? {}
      const clientKey = routes.clientKey?.(req) ?? clientKeyOf(req)
      write(
        res,
        await answerOtpVerify(this.otp, req.body, clientKey, {
          purpose: routes.purpose,
          report,
          rateLimitHeaders: routes.rateLimitHeaders,
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
    async push(
      @Param('secret') secret: string,
      @Req() req: PlatformRequest,
      @Res() res: unknown,
    ): Promise<void> {
      const webhook = this.options.webhook
      // Checked before the body was read too (YunpianBodies); here it guards the handler itself.
      if (!webhook || !webhookSecretMatches(webhook.secret, secret)) return write(res, notFound())
      const apikey =
        webhook.apikey ??
        (this.options.client === this.client ? undefined : (this.options.client as { apikey: string }).apikey)
      write(
        res,
        await answerPush(pushBodyOf(req.body), {
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
