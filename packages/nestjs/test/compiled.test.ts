import { execFile, spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startFakeYunpian } from '@yunpian-kit/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const here = fileURLToPath(new URL('.', import.meta.url))
const pkg = join(here, '..')

/**
 * The published build, used the way apps use it: `tsc` compiles one app to CommonJS (.cts) and one to ESM
 * (.mts), with emitDecoratorMetadata, and plain node runs each against the fake Yunpian. (The package's own
 * typecheck leaves the fixtures out: they need its build, and this tsc run checks them strictly.)
 */
describe('a Nest app compiled to CommonJS and to ESM', () => {
  let out: string
  beforeAll(async () => {
    if (!existsSync(join(pkg, 'dist/index.cjs')))
      throw new Error('@yunpian-kit/nestjs is not built: run pnpm build')
    // Inside the package, so the compiled apps resolve @yunpian-kit/nestjs and Nest from its node_modules.
    out = mkdtempSync(join(here, 'fixtures/.out-'))
    // One app, two module systems: the file extension decides (.cts is CommonJS, .mts is ESM).
    const src = join(out, 'src')
    mkdirSync(src)
    for (const name of ['main.cts', 'main.mts']) copyFileSync(join(here, 'fixtures/app.ts'), join(src, name))
    const tsc = join(pkg, 'node_modules/.bin/tsc')
    await run(tsc, [
      ...['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--strict'],
      ...['--experimentalDecorators', '--emitDecoratorMetadata', '--skipLibCheck', '--types', 'node'],
      ...['--rootDir', src, '--outDir', out],
      ...[join(src, 'main.cts'), join(src, 'main.mts')],
    ])
  }, 60_000)
  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true })
  })

  for (const file of ['main.cjs', 'main.mjs']) {
    it(`${file} boots, injects OtpService by type, and serves POST /otp/send`, async () => {
      const fake = await startFakeYunpian()
      const child = spawn(process.execPath, [join(out, file)], {
        env: { ...process.env, YUNPIAN_APIKEY: fake.apikey, YUNPIAN_BASE_URL: fake.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let errors = ''
          child.stderr.on('data', (c) => {
            errors += c
          })
          child.stdout.on('data', (c: Buffer) => {
            const m = /LISTENING (\S+)/.exec(c.toString())
            if (m) resolve(m[1]!)
          })
          child.once('exit', (code) => reject(new Error(`${file} exited ${code}: ${errors}`)))
        })
        expect(await (await fetch(`${url}/whoami`)).json()).toEqual({ injected: true })
        const sent = await fetch(`${url}/otp/send`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ mobile: '+447400123456' }),
        })
        expect(sent.status).toBe(202)
        expect(fake.outbox.size).toBe(1)
      } finally {
        child.kill()
        await fake.close()
      }
    })
  }
})
