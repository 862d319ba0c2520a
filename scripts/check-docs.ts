// The docs users read are part of the product, so the test command checks them:
// - every ```ts / ```typescript block in README.md, packages/*/README.md and docs/**/*.md is a complete
//   program, type-checked as an outside consumer compiles it: strict, module NodeNext, imports of
//   @yunpian-kit/* resolved through the built packages' `exports` (run after the build);
// - a block that imports @yunpian-kit/testing starts the fake, so it is also run (through tsx, against
//   the built packages, three at a time) and must exit 0 within 30 s; write ```ts no-run to type-check one only;
// - shipped text (those files and the packages' sources, whose JSDoc ships in the .d.ts) points at
//   nothing that does not ship, and example numbers are valid ones;
// - the README options tables match the JSDoc and @default of the options interfaces (check-options.ts).
// Failures print `file:line` of the Markdown (or source) and exit 1.
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { checkOptionTables, markdownFiles } from './check-options.js'

const root = fileURLToPath(new URL('..', import.meta.url))
// Under the root's node_modules, so frameworks and @types resolve as in an app; every public package is
// linked into the snippets' own node_modules, so `@yunpian-kit/*` resolves through its `exports`.
const work = join(root, 'node_modules/.cache/yunpian-kit-snippets')
const started = performance.now()

interface Snippet {
  source: string // Markdown file, relative to the root
  line: number // 1-based line of the first code line
  code: string
  run: boolean
  file: string // the generated .ts file
}

const FENCE = /^\s*```(ts|typescript)(\s.*)?$/
const problems: string[] = []
const snippets: Snippet[] = []

for (const source of markdownFiles()) {
  const lines = readFileSync(join(root, source), 'utf8').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '')
    if (!open) continue
    const body: string[] = []
    let end = i + 1
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end] ?? '')) body.push(lines[end++] ?? '')
    if (end === lines.length) problems.push(`${source}:${i + 1}: the code block is never closed`)
    const code = body.join('\n')
    const flags = (open[2] ?? '').trim().split(/\s+/)
    const file = join(work, `${source.replace(/[^\w]+/g, '_')}_${i + 2}.ts`)
    snippets.push({
      source,
      line: i + 2,
      code,
      file,
      run: !flags.includes('no-run') && /from ['"]@yunpian-kit\/testing['"]/.test(code),
    })
    i = end
  }
}

// Shipped text: nothing pointing at team-only files or at paths that break on npm; valid numbers.
const FORBIDDEN: [RegExp, string][] = [
  [/(^|[^\w-])shared\//, 'points at shared/, which does not ship'],
  [/adapter-contract\.md|otp-security\.md|yunpian-protocol\.md/, 'names a file that does not ship'],
  [/`(\.\.\/)*errors\.ts`|`otp\/errors\.ts`/, 'names a source file users do not have'],
  [/\]\((\.\.\/)+README\.md\)/, 'links a relative README, which breaks on npm'],
]
const INVALID_NUMBER = /\+?44 ?7700 ?900 ?\d{3}/
function checkText(path: string, text: string, docs: boolean) {
  text.split('\n').forEach((line, index) => {
    for (const [pattern, why] of FORBIDDEN) {
      if (pattern.test(line)) problems.push(`${path}:${index + 1}: ${why}: ${line.trim()}`)
    }
    if (docs && INVALID_NUMBER.test(line))
      problems.push(`${path}:${index + 1}: +44 7700 900xxx is not a valid number; use +447400123456`)
  })
}
for (const source of markdownFiles()) checkText(source, readFileSync(join(root, source), 'utf8'), true)
// The README options tables match the JSDoc of the options interfaces (scripts/check-options.ts).
const optionTables = checkOptionTables()
problems.push(...optionTables.problems)
for (const dir of readdirSync(join(root, 'packages'))) {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'))
  if (manifest.private) continue
  checkText(`packages/${dir}/package.json`, JSON.stringify(manifest.description ?? ''), false)
  const walk = (path: string) => {
    for (const entry of readdirSync(join(root, path), { withFileTypes: true })) {
      const child = `${path}/${entry.name}`
      if (entry.isDirectory()) walk(child)
      else if (entry.name.endsWith('.ts')) checkText(child, readFileSync(join(root, child), 'utf8'), false)
    }
  }
  walk(`packages/${dir}/src`)
}

// Type-check every block in one program.
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
const compilerOptions = {
  target: 'ES2022',
  lib: ['ES2023'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  types: ['node'],
}
writeFileSync(join(work, 'package.json'), '{ "type": "module", "private": true }\n')
mkdirSync(join(work, 'node_modules/@yunpian-kit'), { recursive: true })
for (const dir of readdirSync(join(root, 'packages'))) {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'))
  if (!manifest.private) symlinkSync(join(root, 'packages', dir), join(work, 'node_modules', manifest.name))
}
writeFileSync(
  join(work, 'tsconfig.json'),
  `${JSON.stringify({ compilerOptions, include: ['*.ts'] }, null, 2)}\n`,
)
for (const snippet of snippets) writeFileSync(snippet.file, `${snippet.code}\n`)

const parsed = ts.convertCompilerOptionsFromJson(compilerOptions, work)
const program = ts.createProgram({ rootNames: snippets.map((s) => s.file), options: parsed.options })
const bySnippet = new Map(snippets.map((s) => [s.file, s]))
const failed = new Set<Snippet>()
for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ')
  const snippet = diagnostic.file && bySnippet.get(diagnostic.file.fileName)
  if (!diagnostic.file || !snippet || diagnostic.start === undefined) {
    problems.push(`${diagnostic.file ? relative(root, diagnostic.file.fileName) : 'tsc'}: ${message}`)
    continue
  }
  failed.add(snippet)
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
  problems.push(`${snippet.source}:${snippet.line + line}:${character + 1}: TS${diagnostic.code} ${message}`)
}
const checkedMs = performance.now() - started

// Run the blocks that start the fake (those that type-checked), a few at a time.
const runnable = snippets.filter((s) => s.run && !failed.has(s))
function runOne(snippet: Snippet): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', snippet.file], {
      cwd: work,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => {
      output += '\n(killed after 30 s: a server or the fake left open?)'
      child.kill('SIGKILL')
    }, 30_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code !== 0) {
        const detail = output.trim().split('\n').slice(0, 14).join('\n    ')
        problems.push(`${snippet.source}:${snippet.line}: the block exited ${code}:\n    ${detail}`)
      }
      resolve()
    })
  })
}
const queue = [...runnable]
await Promise.all(
  Array.from({ length: 3 }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await runOne(next)
  }),
)
const ran = runnable.length

const files = new Set(snippets.map((s) => s.source)).size
const summary = `${optionTables.tables} options tables, ${snippets.length} TypeScript blocks in ${files} files type-checked in ${(checkedMs / 1000).toFixed(1)} s, ${ran} run against the fake; ${((performance.now() - started) / 1000).toFixed(1)} s in all`
if (problems.length > 0) {
  console.error(problems.join('\n'))
  console.error(`check-docs: ${problems.length} problem(s). ${summary}`)
  process.exit(1)
}
console.log(`check-docs: ok, ${summary}`)
