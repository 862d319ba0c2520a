import { execFile } from 'node:child_process'
import { createConnection } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../..', import.meta.url))

describe('pnpm demo', () => {
  it('runs every scenario against every example server, all ok, and leaves no process behind', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: root,
      timeout: 60_000,
    })
    expect(stdout).toMatch(/\n20 passed, 0 failed/)
    for (const scenario of [
      'verify it',
      'resend too early',
      'five wrong codes',
      'reaches the webhook',
      'allow-list',
    ]) {
      expect(
        stdout.split('\n').filter((line) => line.includes(scenario) && /\bok\b/.test(line)),
      ).toHaveLength(4)
    }
    // Its redis-server (when the machine has one) is gone: nothing listens on its port any more.
    const port = /redis-server on port (\d+)/.exec(stdout)?.[1]
    if (port) await expect(connect(Number(port))).rejects.toThrow(/ECONNREFUSED/)
  })

  it('serves the login page and the status log', async () => {
    const { startExpress } = await import('../src/express.js')
    const server = await startExpress({ port: 0, env: { YUNPIAN_APIKEY: '' } })
    try {
      const page = await fetch(server.url)
      expect(page.headers.get('content-type')).toMatch(/text\/html/)
      expect(await page.text()).toContain('Sign in with your phone')
      expect(await (await fetch(`${server.url}/status`)).json()).toEqual([])
    } finally {
      await server.close()
    }
  })
})

function connect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => {
      socket.destroy()
      resolve()
    })
    socket.on('error', reject)
  })
}
