import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import SummaryReporter from './scripts/vitest-summary.js'

const root = fileURLToPath(new URL('.', import.meta.url))
const packages = readdirSync(new URL('./packages', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
// Only packages (and apps) with tests of their own become vitest projects.
const apps = readdirSync(new URL('./apps', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => `apps/${d.name}`)
const tested = [...packages.map((name) => `packages/${name}`), ...apps].filter((dir) =>
  existsSync(`${root}${dir}/test`),
)

// Tests import workspace packages (and their subpaths) from source, so a change is tested without a
// rebuild; `pnpm lint` (publint, attw) and scripts/smoke-dist.mjs check the built packages.
const alias = [
  { find: /^@yunpian-kit\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
  { find: /^@yunpian-kit\/([a-z-]+)\/([a-z-]+)$/, replacement: `${root}packages/$1/src/$2/index.ts` },
]

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: ['default', new SummaryReporter()],
    projects: tested.map((dir) => ({
      resolve: { alias },
      test: {
        name: dir.split('/')[1],
        root: `${root}${dir}`,
        include: ['test/**/*.test.ts'],
        // A package that needs servers for its tests (redis) starts them in test/global-setup.ts.
        globalSetup: existsSync(`${root}${dir}/test/global-setup.ts`) ? ['test/global-setup.ts'] : [],
        testTimeout: 20_000,
        hookTimeout: 30_000,
      },
    })),
  },
})
