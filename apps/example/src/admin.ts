// The admin page: conversion per country and prefix, the brakes in force (with a release button) and the
// newest delivery reports. Off unless ADMIN_TOKEN is set; loopback only; every data call carries the token
// in the Authorization header, which a page of another origin cannot send (so no cross-site request can
// release a brake: a form can set no header, and fetch would need a CORS preflight that is never granted).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { OtpService, StatusReport } from '@yunpian-kit/core'

export interface AdminOptions {
  /** ADMIN_TOKEN: at least 16 characters. None: the page is off (its routes answer 404). */
  token: string | undefined
  otp: OtpService
  /** The newest delivery reports, newest first, their numbers already masked (`mask`). */
  statusLog: readonly StatusReport[]
  /** Where it is mounted (default `/admin`). */
  base?: string
}

/** `(req, res)` for everything under `base`, with the URL relative to it; undefined when the page is off. */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>

const MIN_TOKEN = 16
const MAX_BODY = 1024
/** Headers a reverse proxy adds: a request that went through one is not from this machine's operator. */
const FORWARDING = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'x-forwarded-host']

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)
}

/** The Host the browser asked for names this machine (a DNS-rebinding page's Host names its own domain). */
function isLoopbackHost(host: string | undefined): boolean {
  const name = host?.replace(/:\d+$/, '').toLowerCase()
  return name === 'localhost' || name === '[::1]' || isLoopback(name)
}

/** Compares digests of equal length, so neither the time nor an early exit tells how much of it matched. */
function sameToken(expected: Buffer, given: string): boolean {
  return timingSafeEqual(expected, createHash('sha256').update(given).digest())
}

export function adminHandler(options: AdminOptions): AdminHandler | undefined {
  const { token, otp, statusLog } = options
  if (!token) return undefined
  if (token.length < MIN_TOKEN) {
    throw new TypeError(
      `ADMIN_TOKEN must be at least ${MIN_TOKEN} characters (it has ${token.length}): use e.g. openssl rand -hex 24`,
    )
  }
  const base = options.base ?? '/admin'
  const expected = createHash('sha256').update(token).digest()

  const authorized = (req: IncomingMessage) => {
    const header = req.headers.authorization
    return typeof header === 'string' && header.startsWith('Bearer ') && sameToken(expected, header.slice(7))
  }

  return async (req, res, path) => {
    if (!isLoopback(req.socket.remoteAddress) || FORWARDING.some((h) => h in req.headers)) {
      return send(res, 403, 'text/plain', 'The admin page answers requests from this machine only.')
    }
    if (!isLoopbackHost(req.headers.host)) {
      return send(res, 403, 'text/plain', 'The admin page answers only to http://127.0.0.1 or localhost.')
    }
    const route = `${req.method} ${path.split('?')[0]}`
    if (route === 'GET /' || route === 'GET ') {
      const nonce = randomBytes(16).toString('base64')
      res.setHeader(
        'content-security-policy',
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      )
      return send(res, 200, 'text/html; charset=utf-8', adminPage(nonce, base))
    }
    if (!path.startsWith('/api/')) return send(res, 404, 'text/plain', 'Not found')
    if (!authorized(req)) {
      res.setHeader('www-authenticate', 'Bearer realm="yunpian-kit admin"')
      return json(res, 401, { error: 'The admin token is missing or wrong.' })
    }
    if (route === 'GET /api/overview') return json(res, 200, await overview(otp, statusLog))
    if (route === 'POST /api/release') {
      if (!req.headers['content-type']?.startsWith('application/json'))
        return json(res, 415, { error: 'Send the brake as application/json.' })
      const body = await readJson(req)
      const country = typeof body?.country === 'string' ? body.country : undefined
      const prefix = typeof body?.prefix === 'string' ? body.prefix : undefined
      if (!country || !/^(?:[A-Z]{2}|unknown)$/.test(country) || (prefix && !/^\d{2,12}$/.test(prefix)))
        return json(res, 400, { error: 'Give { country: "GB" } or { country: "GB", prefix: "44740" }.' })
      const released = await otp.brakes.release({ country, prefix })
      return json(res, 200, { released })
    }
    return send(res, 404, 'text/plain', 'Not found')
  }
}

/** What the page shows: every figure from the shared stores, the reports as logged (numbers masked). */
async function overview(otp: OtpService, statusLog: readonly StatusReport[]) {
  const [stats, brakes] = await Promise.all([otp.stats(), otp.brakes.list()])
  return {
    countries: Object.entries(stats)
      .map(([country, s]) => ({
        country,
        sent: s.sent,
        verified: s.verified,
        delivered: s.delivered,
        undelivered: s.undelivered,
        ratio: s.ratio,
        prefixes: Object.entries(s.prefixes)
          .map(([prefix, p]) => ({ prefix, ...p }))
          .sort((a, b) => b.sent - a.sent),
      }))
      .sort((a, b) => b.sent - a.sent),
    brakes,
    reports: statusLog.slice(0, 20).map((r) => ({
      sid: r.sid,
      mobile: r.mobile,
      delivered: r.delivered,
      status: r.errorCode ?? r.reportStatus,
      detail: r.errorDetail,
      receivedAt: r.receivedAt?.toISOString() ?? null,
    })),
  }
}

/**
 * `+447400123456` → `+4474••••••56`: enough to tell numbers apart, not to call one. At least half the
 * digits are hidden, of mainland numbers too (Yunpian writes them without +86: `+8613•••••••00`).
 */
export function mask(mobile: string): string {
  const digits = (/^1\d{10}$/.test(mobile) ? `86${mobile}` : mobile).replace(/\D/g, '')
  const shown = Math.max(0, Math.floor(digits.length / 2) - 2)
  const last = digits.length >= 6 ? 2 : 0
  return `+${digits.slice(0, shown)}${'•'.repeat(digits.length - shown - last)}${digits.slice(digits.length - last)}`
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) return undefined
    chunks.push(chunk)
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body))
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status
  res.setHeader('content-type', type)
  res.setHeader('cache-control', 'no-store')
  res.setHeader('x-content-type-options', 'nosniff')
  res.setHeader('referrer-policy', 'no-referrer')
  res.end(body)
}

/** The page: a token form, then three tables filled from `/api/overview` with textContent (never HTML). */
function adminPage(nonce: string, base: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>yunpian-kit admin</title>
<style nonce="${nonce}">
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1d2433; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #e1e5ec; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  tr.prefix td:first-child { padding-left: 1.6rem; color: #5b6577; }
  tr.low td.ratio { color: #b3261e; font-weight: 600; }
  input, button { font: inherit; padding: .4rem .7rem; border-radius: .4rem; border: 1px solid #b8c0cc; }
  button { background: #2457d6; color: white; border: 0; cursor: pointer; }
  button.release { background: #b3261e; }
  .empty { color: #5b6577; font-style: italic; }
  #message { min-height: 1.5rem; } .error { color: #b3261e; }
</style>
</head>
<body>
<h1>yunpian-kit admin</h1>
<form id="login">
  <label for="token">Admin token</label>
  <input id="token" type="password" autocomplete="off" required>
  <button id="open" type="submit">Open</button>
</form>
<p id="message" role="status"></p>
<main id="data" hidden>
  <h2>Conversion by country and prefix</h2>
  <table id="conversion"><thead><tr><th>Country / prefix</th><th class="num">Sent</th><th class="num">Verified</th><th class="num">Delivered</th><th class="num">Undelivered</th><th class="num">Verified / sent</th></tr></thead><tbody></tbody></table>
  <h2>Active brakes</h2>
  <table id="brakes"><thead><tr><th>Scope</th><th>Country</th><th>Prefix</th><th>Until</th><th class="num">Sent</th><th class="num">Verified</th><th></th></tr></thead><tbody></tbody></table>
  <h2>Recent delivery reports</h2>
  <table id="reports"><thead><tr><th>Received</th><th>Message id</th><th>Number</th><th>Status</th></tr></thead><tbody></tbody></table>
  <p><button id="refresh" type="button">Refresh</button></p>
</main>
<script nonce="${nonce}">
  const BASE = ${JSON.stringify(base)}
  const $ = (id) => document.getElementById(id)
  const say = (text, kind) => { $('message').textContent = text; $('message').className = kind || '' }
  let token = sessionStorage.getItem('yunpian-kit-admin') || ''
  async function api(path, init = {}) {
    const response = await fetch(BASE + '/api/' + path, {
      ...init,
      headers: { authorization: 'Bearer ' + token, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    })
    const data = await response.json().catch(() => ({}))
    if (!response.ok) throw new Error(data.error || 'The server answered ' + response.status)
    return data
  }
  function row(cells, className) {
    const tr = document.createElement('tr')
    if (className) tr.className = className
    for (const cell of cells) {
      const td = document.createElement('td')
      if (cell instanceof Node) td.append(cell)
      else td.textContent = String(cell)
      if (typeof cell === 'number' || /%$/.test(String(cell))) td.classList.add('num')
      tr.append(td)
    }
    return tr
  }
  function fill(id, rows, emptyText, columns) {
    const body = $(id).querySelector('tbody')
    body.replaceChildren(...rows)
    if (rows.length === 0) {
      const td = document.createElement('td')
      td.colSpan = columns
      td.className = 'empty'
      td.textContent = emptyText
      const tr = document.createElement('tr')
      tr.append(td)
      body.append(tr)
    }
  }
  const percent = (r) => (r * 100).toFixed(0) + '%'
  async function load() {
    const data = await api('overview')
    const conversion = []
    for (const c of data.countries) {
      const cells = (name, f) => [name, f.sent, f.verified, f.delivered, f.undelivered, percent(f.ratio)]
      conversion.push(row(cells(c.country, c), c.ratio < 0.2 && c.sent >= 10 ? 'low' : ''))
      for (const p of c.prefixes) conversion.push(row(cells('+' + p.prefix, p), 'prefix' + (p.ratio < 0.2 && p.sent >= 10 ? ' low' : '')))
    }
    fill('conversion', conversion, 'No codes sent yet.', 6)
    fill('brakes', data.brakes.map((b) => {
      const button = document.createElement('button')
      button.type = 'button'
      button.className = 'release'
      button.textContent = 'Release'
      button.dataset.brake = b.prefix || b.country
      button.addEventListener('click', () => release(b))
      return row([b.scope, b.country, b.prefix ? '+' + b.prefix : '', new Date(b.until).toLocaleTimeString(), b.figures.sent, b.figures.verified, button])
    }), 'No active brakes.', 7)
    fill('reports', data.reports.map((r) => row([
      r.receivedAt ? new Date(r.receivedAt).toLocaleTimeString() : '', r.sid, r.mobile, r.delivered ? 'delivered' : 'failed: ' + r.status,
    ])), 'No delivery reports yet.', 4)
    $('data').hidden = false
  }
  async function release(brake) {
    try {
      const { released } = await api('release', { method: 'POST', body: JSON.stringify({ country: brake.country, prefix: brake.prefix }) })
      say(released ? 'Released ' + (brake.prefix ? '+' + brake.prefix : brake.country) + '.' : 'That brake had already ended.')
      await load()
    } catch (error) { say(error.message, 'error') }
  }
  async function open() {
    try {
      await load()
      sessionStorage.setItem('yunpian-kit-admin', token)
      $('login').hidden = true
      say('')
    } catch (error) { say(error.message, 'error') }
  }
  $('login').addEventListener('submit', (event) => { event.preventDefault(); token = $('token').value.trim(); open() })
  $('refresh').addEventListener('click', () => load().catch((error) => say(error.message, 'error')))
  if (token) open()
</script>
</body>
</html>
`
}
