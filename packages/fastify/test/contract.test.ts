import { APP_ROUTE_LIMIT, type AppParser, describeAdapterContract } from '@yunpian-kit/adapter-contract'
import Fastify, { type FastifyInstance } from 'fastify'
import { yunpianPlugin } from '../src/index.js'

/** App-wide parsers as a Fastify app registers them at the root, giving the body as each kind. */
function addAppParser(app: FastifyInstance, kind: AppParser): void {
  if (kind === 'json') return // Fastify's own JSON parser is always there
  const type = ['application/x-www-form-urlencoded', 'text/plain']
  if (kind === 'urlencoded') {
    app.addContentTypeParser(type[0]!, { parseAs: 'string' }, (_r, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    )
  } else {
    app.addContentTypeParser('*', { parseAs: kind === 'raw' ? 'buffer' : 'string' }, (_r, body, done) =>
      done(null, body),
    )
    app.addContentTypeParser(type[0]!, { parseAs: kind === 'raw' ? 'buffer' : 'string' }, (_r, body, done) =>
      done(null, body),
    )
  }
}

describeAdapterContract(
  'Fastify 5',
  async (setup) => {
    const app = Fastify({ logger: false })
    if (setup.appParser) addAppParser(app, setup.appParser)
    await app.register(yunpianPlugin, {
      client: setup.client,
      otp: setup.otp,
      routes: {
        prefix: setup.prefix,
        onVerified: setup.onVerified,
        rateLimitHeaders: setup.rateLimitHeaders,
      },
      webhook: { ...setup.webhook },
    })
    // The app's own routes, as a user writes them.
    app.post('/app/login', async (request) => {
      const { mobile } = request.body as { mobile: string }
      await app.yunpian.otp.send({ mobile, clientKey: 'app' })
      return { ok: true }
    })
    app.post(
      '/app/limited',
      {
        config: {
          otpThrottle: {
            rules: APP_ROUTE_LIMIT.rules,
            key: (request) => APP_ROUTE_LIMIT.key(request.headers),
            skip: (request) => APP_ROUTE_LIMIT.skip(request.headers),
          },
        },
      },
      async () => ({ ok: true }),
    )
    app.post('/app/crash', async () => {
      throw new Error('boom')
    })
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    return { url, close: () => app.close() }
  },
  { appRoutes: true },
)
