// Debian's Chromium for the browser tests (scripts/ensure-system-deps.sh installs it); never a downloaded browser.
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'

const CHROMIUM = '/usr/bin/chromium'
/** Screenshots, kept as test artifacts (git-ignored). */
export const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url))

/** Launches headless Chromium, loopback only (no background traffic), and makes the screenshot folder. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`)
  mkdirSync(OUTPUT, { recursive: true })
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
