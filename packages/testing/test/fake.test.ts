import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { type FakeYunpian, replySignature, startFakeYunpian } from '../src/index.js'

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((x) => x.close()))
})

async function fake(options: Parameters<typeof startFakeYunpian>[0] = {}): Promise<FakeYunpian> {
  const f = await startFakeYunpian(options)
  opened.push(f)
  return f
}

async function post(f: FakeYunpian, endpoint: string, fields: Record<string, string>) {
  const response = await fetch(`${f.url}/v2/${endpoint}.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body: new URLSearchParams({ apikey: f.apikey, ...fields }),
  })
  return { status: response.status, text: await response.text() }
}

/** A receiver that answers each push with the next of `answers` (then SUCCESS), and keeps the bodies. */
async function receiver(answers: string[] = []) {
  const bodies: URLSearchParams[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      bodies.push(new URLSearchParams(body))
      res.writeHead(200, { 'content-type': 'text/plain' }).end(answers.shift() ?? 'SUCCESS')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
  opened.push({ close: () => new Promise((r) => server.close(() => r())) })
  return { url, bodies }
}

describe('the fake speaks Yunpian’s wire format', () => {
  it('writes sids above 2^53 as bare JSON integers, exactly', async () => {
    const f = await fake()
    const { status, text } = await post(f, 'sms/single_send', { mobile: '13800138000', text: '【A】hi' })
    expect(status).toBe(200)
    expect(text).toMatch(/"sid":9007199254740993[,}]/)
  })

  it('answers errors with HTTP 400 and the envelope, msg null for 33', async () => {
    const f = await fake({ rules: { antiBombing: true } })
    await post(f, 'sms/single_send', { mobile: '13800138000', text: '【A】code 1' })
    const { status, text } = await post(f, 'sms/single_send', { mobile: '13800138000', text: '【A】code 2' })
    expect(status).toBe(400)
    expect(JSON.parse(text)).toEqual({
      http_status_code: 400,
      code: 33,
      msg: null,
      detail: expect.any(String),
    })
  })

  it('list endpoints answer bare arrays and delete what they returned', async () => {
    const f = await fake()
    f.queueStatusReports(25)
    const first = JSON.parse((await post(f, 'sms/pull_status', {})).text)
    const second = JSON.parse((await post(f, 'sms/pull_status', { page_size: '100' })).text)
    const third = JSON.parse((await post(f, 'sms/pull_status', {})).text)
    expect([first.length, second.length, third]).toEqual([20, 5, []])
  })

  it('unknown paths are 404 HTML, not JSON', async () => {
    const f = await fake()
    const response = await fetch(`${f.url}/v2/sms/nope.json`, { method: 'POST' })
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toContain('text/html')
  })
})

describe('delivery reports', () => {
  it('pushes each accepted message’s report to its callback_url, form-encoded JSON array', async () => {
    const r = await receiver()
    const f = await fake({ now: Date.UTC(2014, 2, 17, 14, 55, 21) })
    await post(f, 'sms/single_send', {
      mobile: '+93701234567',
      text: '【A】hi',
      uid: 'u-1',
      callback_url: r.url,
    })
    await f.reportsSettled()
    expect(r.bodies).toHaveLength(1)
    const records = JSON.parse(r.bodies[0]!.get('sms_status')!)
    expect(records).toEqual([
      {
        sid: 9007199254740992, // JSON.parse rounds it: the reason the core parses sids losslessly
        uid: 'u-1',
        user_receive_time: '2014-03-17 22:55:21',
        error_msg: 'DELIVRD',
        error_detail: null,
        mobile: '+93701234567',
        report_status: 'SUCCESS',
      },
    ])
  })

  it('re-sends up to 3 times while the receiver does not answer SUCCESS or 0, then gives up', async () => {
    const r = await receiver(['error', 'nope', 'still no', 'never'])
    const f = await fake({ reports: { pushUrl: r.url, retryDelayMs: 5 } })
    await post(f, 'sms/single_send', { mobile: '13800138000', text: '【A】hi' })
    await f.reportsSettled()
    expect(f.pushes.map((p) => [p.attempt, p.accepted])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
    ])
    expect(r.bodies).toHaveLength(4)
  })

  it('stops re-sending once the receiver answers 0', async () => {
    const r = await receiver(['fail', '0'])
    const f = await fake({ reports: { pushUrl: r.url, retryDelayMs: 5 } })
    await post(f, 'sms/single_send', { mobile: '13800138000', text: '【A】hi' })
    await f.reportsSettled()
    expect(f.pushes.map((p) => p.accepted)).toEqual([false, true])
  })

  it('batches up to 100 records per push', async () => {
    const r = await receiver()
    const f = await fake({ rules: false, reports: { pushUrl: r.url, delayMs: 30 } })
    for (let i = 0; i < 150; i++)
      await post(f, 'sms/single_send', { mobile: '13800138000', text: `【A】${i}` })
    await f.reportsSettled()
    const sizes = r.bodies.map((b) => JSON.parse(b.get('sms_status')!).length)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(150)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100)
  })

  it('signs reply pushes as the protocol page’s worked example', () => {
    const record = {
      base_extend: '8888',
      extend: '01',
      id: '2a70c6bb4f2845da816ea1bfe5732747',
      mobile: '15205201314',
      reply_time: '2014-03-17 22:55:21',
      text: '收到了，谢谢！',
    }
    expect(replySignature(record, '0000')).toBe('393d079e0a00912335adfe46f4a2e10f')
  })
})

describe('faults', () => {
  it('a share of calls: ratio with a seed is repeatable', async () => {
    const run = async () => {
      const f = await fake({ seed: 42, rules: false })
      f.fault('http-500', { ratio: 0.5, times: Number.POSITIVE_INFINITY })
      const statuses: number[] = []
      for (let i = 0; i < 20; i++) statuses.push((await post(f, 'user/get', {})).status)
      return statuses
    }
    const a = await run()
    expect(a).toEqual(await run())
    expect(a.filter((s) => s === 500).length).toBeGreaterThan(3)
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(3)
  })

  it('reset-after-request keeps the message; reset-before-request does not', async () => {
    const f = await fake()
    f.fault('reset-after-request')
    await expect(post(f, 'sms/single_send', { mobile: '13800138000', text: '【A】1' })).rejects.toThrow()
    f.fault('reset-before-request')
    await expect(post(f, 'sms/single_send', { mobile: '13800138000', text: '【A】2' })).rejects.toThrow()
    expect(f.outbox.all().map((m) => m.text)).toEqual(['【A】1'])
  })
})

describe('yunpian-fake bin', () => {
  it('starts on the given port and answers', async () => {
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          const match = /listening on (http:\/\/\S+)/.exec(chunk.toString())
          if (match) resolve(match[1]!)
        })
        child.on('exit', (code) => reject(new Error(`exited ${code}`)))
      })
      const response = await fetch(`${url}/v2/user/get.json`, {
        method: 'POST',
        body: new URLSearchParams({ apikey: 'fa4e0000000000000000000000000000' }),
      })
      expect(response.status).toBe(200)
    } finally {
      child.kill('SIGTERM')
    }
  })
})
