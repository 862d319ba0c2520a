// The packages as an outside app gets them: `pnpm pack` each public package, install the tarballs with npm
// into fresh apps in a temporary directory outside the workspace, compile the apps with the app's own tsc
// under `module: node16` (CommonJS) and `module: NodeNext` (ESM), and run, for Express, Fastify, NestJS,
// the bare web-standard handler and Hono (both on @hono/node-server), one send and one verify against the fake. Run after the build (the test command does).
// The store contract suites are compiled only (they run inside vitest, not as a program).
// The two apps share one node_modules in their parent directory: one npm install instead of two.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const exec = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const started = performance.now()
const step = (what: string) => console.log(`consumer-test: ${what} (${seconds()} s)`)
const seconds = () => ((performance.now() - started) / 1000).toFixed(1)

async function run(command: string, args: string[], cwd: string, timeoutMs = 240_000): Promise<string> {
  try {
    const { stdout } = await exec(command, args, {
      cwd,
      timeout: timeoutMs,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', npm_config_update_notifier: 'false' },
      maxBuffer: 16 * 1024 * 1024,
    })
    return stdout
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string }
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`,
    )
  }
}

/** pnpm as it runs this script (`npx pnpm@10 test` puts no pnpm on PATH), else the one on PATH. */
function pnpm(...args: string[]): [string, string[]] {
  const self = process.env.npm_execpath
  return self && /pnpm/.test(self) ? [process.execPath, [self, ...args]] : ['pnpm', args]
}

// The versions the workspace builds and tests with, so the apps meet no surprise majors.
const catalog = new Map<string, string>()
for (const line of readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8').split('\n')) {
  const match = /^\s+"?([@\w/.-]+?)"?:\s*(\S+)\s*$/.exec(line)
  if (match) catalog.set(match[1]!, match[2]!)
}
const version = (name: string) => {
  const range = catalog.get(name)
  if (!range) throw new Error(`consumer-test: ${name} is not in the pnpm-workspace.yaml catalog`)
  return range
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'yunpian-kit-consumer-'))
  const keep = process.env.KEEP_CONSUMER_APPS === '1'
  try {
    // 1. Tarballs, as `pnpm publish` would make them (workspace: and catalog: ranges rewritten).
    const tarballs = join(dir, 'tarballs')
    mkdirSync(tarballs)
    const packed: Record<string, string> = {}
    for (const name of readdirSync(join(root, 'packages'))) {
      const manifest = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'))
      if (manifest.private) continue
      const before = new Set(readdirSync(tarballs))
      await run(...pnpm('pack', '--pack-destination', tarballs), join(root, 'packages', name))
      const file = readdirSync(tarballs).find((f) => !before.has(f))
      if (!file) throw new Error(`pnpm pack made no tarball for ${manifest.name}`)
      packed[manifest.name] = `file:./tarballs/${file}`
    }
    step(`packed ${Object.keys(packed).join(', ')}`)

    // 2. One install, from the tarballs and the registry, with npm.
    const dependencies = {
      ...packed,
      express: version('express'),
      fastify: version('fastify'),
      '@nestjs/common': version('@nestjs/common'),
      '@nestjs/core': version('@nestjs/core'),
      '@nestjs/platform-express': version('@nestjs/platform-express'),
      hono: version('hono'),
      '@hono/node-server': version('@hono/node-server'),
      'reflect-metadata': version('reflect-metadata'),
      rxjs: version('rxjs'),
      typescript: version('typescript'),
      vitest: version('vitest'), // the store contract's peer, at the version the workspace tests with
      '@types/node': version('@types/node'),
      '@types/express': version('@types/express'),
    }
    writeFileSync(
      join(dir, 'package.json'),
      // `overrides`: the packages' own dependencies on each other resolve to the tarballs, not the registry.
      `${JSON.stringify({ name: 'consumer-apps', private: true, dependencies, overrides: packed }, null, 2)}\n`,
    )
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir)
    step('installed the tarballs with npm')

    // 3. The same sources as a CommonJS app (node16) and an ESM app (NodeNext).
    const apps = [
      { name: 'cjs', type: 'commonjs', module: 'node16' },
      { name: 'esm', type: 'module', module: 'NodeNext' },
    ]
    await Promise.all(
      apps.map(async (app) => {
        const appDir = join(dir, app.name)
        mkdirSync(join(appDir, 'src'), { recursive: true })
        writeFileSync(join(appDir, 'package.json'), `${JSON.stringify({ private: true, type: app.type })}\n`)
        writeFileSync(join(appDir, 'tsconfig.json'), `${JSON.stringify(tsconfig(app.module), null, 2)}\n`)
        for (const [file, source] of Object.entries(SOURCES)) writeFileSync(join(appDir, 'src', file), source)
        await run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', '.'], appDir)
      }),
    )
    step('compiled the apps: node16 CommonJS and NodeNext ESM')

    // 4. Send and verify through each framework, in each module system.
    await Promise.all(
      apps.flatMap((app) =>
        ['express', 'fastify', 'nest', 'fetch'].map(async (framework) => {
          const out = await run(process.execPath, [`dist/${framework}.js`], join(dir, app.name), 60_000)
          if (!out.includes('verified')) throw new Error(`${app.name} ${framework}: no "verified" in\n${out}`)
        }),
      ),
    )
    step(
      'sent and verified a code through Express, Fastify, NestJS, the fetch handler and Hono, in CJS and ESM',
    )
  } finally {
    if (keep) console.log(`consumer-test: apps kept in ${dir}`)
    // Retried, and never thrown: a failure above may leave a child still writing, and the cleanup must not
    // replace the error that says what failed.
    else
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
      } catch (error) {
        console.warn(`consumer-test: could not remove ${dir}: ${(error as Error).message}`)
      }
  }
}

// The apps. Written once for both module systems: relative imports end in .js, no top-level await.
const FLOW = `import assert from 'node:assert/strict'
import type { FakeYunpian } from '@yunpian-kit/testing'

/** POST /otp/send, read the code from the fake, POST /otp/verify: what a user's browser does. */
export async function sendAndVerify(base: string, fake: FakeYunpian, label: string): Promise<void> {
  const post = (path: string, body: object) =>
    fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const mobile = '+447400123456'
  const sent = await post('/otp/send', { mobile })
  assert.equal(sent.status, 202, label + ' send: ' + (await sent.clone().text()))
  const code = fake.outbox.lastCode(mobile)
  assert.ok(code, label + ': the fake got no code')
  const verified = await post('/otp/verify', { mobile, code })
  assert.deepEqual(await verified.json(), { status: 'verified' }, label + ' verify')
  console.log(label + ': sent and verified')
}

export const otpOptions = {
  secret: 'consumer-test-secret-of-32-bytes!!',
  message: ({ code }: { code: string }) => '【Acme】Your code is ' + code + '.',
  countries: ['GB'],
}
`

const SOURCES: Record<string, string> = {
  'flow.ts': FLOW,
  // A store of the app's own under the suites: here core's memory store stands in for it.
  'store.test.ts': `import { MemoryThrottleStore } from '@yunpian-kit/core'
import { describeThrottleStoreContract, uniqueKey } from '@yunpian-kit/store-contract'

describeThrottleStoreContract('MemoryThrottleStore', () => {
  let now = Date.now()
  return {
    store: new MemoryThrottleStore({ now: () => now }),
    advance: (ms: number) => {
      now += ms
    },
  }
})
export const key: string = uniqueKey('app')
`,
  'express.ts': `import type { AddressInfo } from 'node:net'
import { OtpService, YunpianClient } from '@yunpian-kit/core'
import { otpRouter, problemHandler, yunpian } from '@yunpian-kit/express'
import { startFakeYunpian } from '@yunpian-kit/testing'
import express from 'express'
import { otpOptions, sendAndVerify } from './flow.js'

async function main(): Promise<void> {
  const fake = await startFakeYunpian()
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })
  const otp = new OtpService({ client, ...otpOptions })
  const app = express()
  app.use(yunpian({ client, otp }))
  app.use('/otp', otpRouter())
  app.use(problemHandler())
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const base = 'http://127.0.0.1:' + (server.address() as AddressInfo).port
  await sendAndVerify(base, fake, 'express')
  server.close()
  await client.close()
  await fake.close()
}
main().catch((error) => {
  console.error(error)
  process.exit(1)
})
`,
  'fastify.ts': `import { yunpianPlugin } from '@yunpian-kit/fastify'
import { startFakeYunpian } from '@yunpian-kit/testing'
import Fastify from 'fastify'
import { otpOptions, sendAndVerify } from './flow.js'

async function main(): Promise<void> {
  const fake = await startFakeYunpian()
  const app = Fastify()
  await app.register(yunpianPlugin, {
    client: { apikey: fake.apikey, baseUrl: fake.url },
    otp: otpOptions,
  })
  app.get('/balance', async () => app.yunpian.client.user.get())
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  await sendAndVerify(base, fake, 'fastify')
  await app.close()
  await fake.close()
}
main().catch((error) => {
  console.error(error)
  process.exit(1)
})
`,
  'fetch.ts': `import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { OtpService, YunpianClient } from '@yunpian-kit/core'
import { clientKeyFromAddress, yunpianHandler } from '@yunpian-kit/fetch'
import { problemHandler, type YunpianEnv, yunpian, yunpianOtp } from '@yunpian-kit/fetch/hono'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { Hono } from 'hono'
import { otpOptions, sendAndVerify } from './flow.js'

/** Any fetch-style app on a real port, as @hono/node-server serves it. */
async function listen(fetch: (request: Request) => Response | Promise<Response>) {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' })
  await once(server, 'listening')
  const base = 'http://127.0.0.1:' + (server.address() as AddressInfo).port
  return { base, close: () => new Promise((resolve) => server.close(resolve)) }
}

async function main(): Promise<void> {
  const fake = await startFakeYunpian()
  const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })

  // The bare handler: what a Next.js route handler exports, Bun.serve and Deno.serve call.
  const handler = yunpianHandler({
    otp: new OtpService({ client, ...otpOptions }),
    routes: { clientKey: (request) => clientKeyFromAddress(request.headers.get('x-real-ip') ?? undefined) },
  })
  const bare = await listen(handler)
  await sendAndVerify(bare.base, fake, 'fetch handler')
  await bare.close()

  // Hono, its middleware and sub-app.
  const app = new Hono<YunpianEnv>()
  app.use(yunpian({ client, otp: new OtpService({ client, ...otpOptions }) }))
  app.route('/otp', yunpianOtp({ clientKey: (c) => clientKeyFromAddress(getConnInfo(c).remote.address) }))
  app.onError(problemHandler())
  const hono = await listen(app.fetch)
  await sendAndVerify(hono.base, fake, 'hono')
  await hono.close()

  await client.close()
  await fake.close()
}
main().catch((error) => {
  console.error(error)
  process.exit(1)
})
`,
  'nest.ts': `import 'reflect-metadata'
import { Controller, Get, Module } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { OtpService, YunpianModule } from '@yunpian-kit/nestjs'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { otpOptions, sendAndVerify } from './flow.js'

async function main(): Promise<void> {
  const fake = await startFakeYunpian()

  @Controller('stats')
  class StatsController {
    // Injected by type: the app's own build emits decorator metadata, as Nest apps do.
    constructor(private readonly otp: OtpService) {}

    @Get()
    stats() {
      return this.otp.stats()
    }
  }

  @Module({
    imports: [
      YunpianModule.forRoot({
        client: { apikey: fake.apikey, baseUrl: fake.url },
        otp: otpOptions,
        routes: {},
        mount: { otp: 'otp' },
      }),
    ],
    controllers: [StatsController],
  })
  class AppModule {}

  const app = await NestFactory.create(AppModule, { logger: false })
  await app.listen(0, '127.0.0.1')
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1')
  await sendAndVerify(base, fake, 'nest')
  const stats = await (await fetch(base + '/stats')).json()
  if (stats.GB?.verified !== 1) throw new Error('nest: OtpService was not injected: ' + JSON.stringify(stats))
  await app.close()
  await fake.close()
}
main().catch((error) => {
  console.error(error)
  process.exit(1)
})
`,
}

await main()

function tsconfig(module: string) {
  return {
    compilerOptions: {
      target: 'ES2022',
      module,
      moduleResolution: module,
      strict: true,
      skipLibCheck: true, // as `tsc --init` and the Nest CLI write it; attw checks the packages' types
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      outDir: 'dist',
      rootDir: 'src',
      types: ['node'],
    },
    include: ['src'],
  }
}
