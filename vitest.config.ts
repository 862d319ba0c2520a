import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import SummaryReporter from './scripts/vitest-summary.js'

const root = fileURLToPath(new URL('.', import.meta.url))
const packages = readdirSync(new URL('./packages', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)

// Tests import workspace packages from source, so a change is tested without a rebuild;
// `pnpm lint` (publint, attw) and scripts/smoke-dist.mjs check the built packages.
const alias = Object.fromEntries(
  packages.map((name) => [`@yunpian-kit/${name}`, `${root}packages/${name}/src/index.ts`]),
)

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: ['default', new SummaryReporter()],
    projects: packages.map((name) => ({
      resolve: { alias },
      test: {
        name,
        root: `${root}packages/${name}`,
        include: ['test/**/*.test.ts'],
        testTimeout: 20_000,
        hookTimeout: 30_000,
      },
    })),
  },
})
