import { execFile } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { FAKE_APIKEY, type FakeYunpian, startFakeYunpian } from '../src/index.js'

const run = promisify(execFile)
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const opened: FakeYunpian[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((f) => f.close()))
})

async function sendOne(f: FakeYunpian, mobile: string, text: string) {
  const response = await fetch(`${f.url}/v2/sms/single_send.json`, {
    method: 'POST',
    body: new URLSearchParams({ apikey: f.apikey, mobile, text }),
  })
  expect(response.status).toBe(200)
}

describe('the outbox over HTTP', () => {
  it('lists every message, finds the newest to a number with its code, and empties', async () => {
    const f = await startFakeYunpian()
    opened.push(f)
    await sendOne(f, '+447400123456', '【Acme】Your code is 482913.')
    await sendOne(f, '13800138000', '【Acme】Your code is 1234.')

    const all = await fetch(`${f.url}/outbox`)
    expect(all.headers.get('content-type')).toMatch(/^application\/json/)
    expect(((await all.json()) as { mobile: string }[]).map((m) => m.mobile)).toEqual([
      '+447400123456',
      '13800138000',
    ])
    const one = await fetch(`${f.url}/outbox?mobile=${encodeURIComponent('+447400123456')}`)
    expect(await one.json()).toMatchObject({ mobile: '+447400123456', code: '482913' })
    expect((await fetch(`${f.url}/outbox?mobile=%2B6591234567`)).status).toBe(404)

    expect((await fetch(`${f.url}/outbox`, { method: 'DELETE' })).status).toBe(204)
    expect(f.outbox.size).toBe(0)
    expect((await fetch(`${f.url}/outbox`, { method: 'POST' })).status).toBe(405)
  })
})

describe('yunpian-fake bin messages', () => {
  it('shows the default apikey and the outbox routes in --help', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', cli, '--help'])
    expect(stdout).toContain(FAKE_APIKEY)
    expect(stdout).toContain('GET /outbox')
  })

  it('answers a busy port in one line, naming the port, and exits 1', async () => {
    const busy = createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const { port } = busy.address() as AddressInfo
    try {
      const failure = await run(process.execPath, ['--import', 'tsx', cli, '--port', String(port)]).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      )
      expect(failure?.code).toBe(1)
      expect(failure?.stderr.trim()).toBe(
        `yunpian-fake: port ${port} on 127.0.0.1 is in use; pick another with --port N (0 picks a free one)`,
      )
    } finally {
      busy.close()
    }
  })

  it('refuses an unknown option in one line', async () => {
    const failure = await run(process.execPath, ['--import', 'tsx', cli, '--prot', '1']).catch(
      (error: { code: number; stderr: string }) => error,
    )
    expect(failure).toMatchObject({ code: 1 })
    expect((failure as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1)
  })
})
