// Each package README's (and docs/*.md's) options tables are generated from the JSDoc of the options interfaces, so the two
// cannot drift. A table sits between markers naming the interfaces whose own fields it lists:
//
//   <!-- options: YunpianRoutesOptions prefix=routes. -->
//   | option | default | what it does |
//   ...
//   <!-- /options -->
//
// Names are looked up in the README's own package first, then in every package (`express/OtpThrottleOptions`
// names one package's). `prefix=routes.` goes before the names of the interfaces named after it;
// `without=a,b` leaves fields out. A row is
// the field's name, its `@default` (or "(required)"), and the first paragraph of its doc comment; fields
// typed `never` (the other side of a union) and `@deprecated` ones are left out. An optional field needs a
// `@default` (what leaving it out means) unless it is a callback or an `AbortSignal`.
//
// `node --import tsx scripts/check-options.ts` reports tables that differ (check-docs runs it too);
// `--write` rewrites them.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'

const root = fileURLToPath(new URL('..', import.meta.url))
const MARKER = /^<!-- options: (.+?) -->$/
const END = '<!-- /options -->'
const HEAD = ['| option | default | what it does |', '| --- | --- | --- |']

interface Field {
  name: string
  required: boolean
  defaultText: string | undefined
  doc: string
  /** Typed `never`: the other side of a union. */
  never: boolean
  /** A callback or a signal: leaving it out means "not called", so it needs no `@default`. */
  hook: boolean
  skip: boolean
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sourceFiles(path))
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** Every exported-or-not interface of every package's src, by package and name. */
function interfaces(): Map<string, Map<string, ts.InterfaceDeclaration>> {
  const byPackage = new Map<string, Map<string, ts.InterfaceDeclaration>>()
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const found = new Map<string, ts.InterfaceDeclaration>()
    let files: string[] = []
    try {
      files = sourceFiles(join(root, 'packages', pkg, 'src'))
    } catch {}
    for (const file of files) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
      const visit = (node: ts.Node) => {
        if (ts.isInterfaceDeclaration(node)) found.set(node.name.text, node)
        ts.forEachChild(node, visit)
      }
      visit(source)
    }
    byPackage.set(pkg, found)
  }
  return byPackage
}

function docOf(member: ts.TypeElement): { text: string; tags: Map<string, string> } {
  const tags = new Map<string, string>()
  let text = ''
  for (const doc of ts.getJSDocCommentsAndTags(member)) {
    if (!ts.isJSDoc(doc)) continue
    text = ts.getTextOfJSDocComment(doc.comment) ?? ''
    for (const tag of doc.tags ?? [])
      tags.set(tag.tagName.text, (ts.getTextOfJSDocComment(tag.comment) ?? '').trim())
  }
  return { text, tags }
}

function fieldsOf(declaration: ts.InterfaceDeclaration): Field[] {
  return declaration.members.flatMap((member) => {
    if (!member.name || !(ts.isPropertySignature(member) || ts.isMethodSignature(member))) return []
    const { text, tags } = docOf(member)
    const never = ts.isPropertySignature(member) && member.type?.kind === ts.SyntaxKind.NeverKeyword
    const hook =
      ts.isMethodSignature(member) ||
      (ts.isPropertySignature(member) && member.type !== undefined && isHookType(member.type))
    return [
      {
        name: member.name.getText(),
        required: !member.questionToken,
        defaultText: tags.get('default'),
        doc: (text.split(/\n\s*\n/)[0] ?? '').replace(/\s+/g, ' ').trim(),
        never,
        hook,
        skip: never || tags.has('deprecated'),
      },
    ]
  })
}

/** A function type (alone, or with `undefined`), or an `AbortSignal`. */
function isHookType(type: ts.TypeNode): boolean {
  if (ts.isParenthesizedTypeNode(type)) return isHookType(type.type)
  if (ts.isUnionTypeNode(type))
    return type.types.every((t) => t.kind === ts.SyntaxKind.UndefinedKeyword || isHookType(t))
  if (ts.isFunctionTypeNode(type)) return true
  return ts.isTypeReferenceNode(type) && type.typeName.getText() === 'AbortSignal'
}

/** `'cn'`, `10000`, `true`, `Date.now`, `FAKE_APIKEY` read as code; prose (or text with its own backticks) stays as written. */
function formatDefault(text: string): string {
  if (
    /^(?:'[^']*'|"[^"]*"|-?[\d_.]+|true|false|\[.*\]|\{.*\}|[A-Za-z_$][\w$]*\.[\w$.]+|[A-Z][A-Z\d_]+)$/.test(
      text,
    )
  )
    return `\`${text}\``
  return text
}

const cell = (text: string) => text.replace(/\|/g, '\\|')

export function tableFor(
  spec: string,
  readmePackage: string | undefined,
  all: Map<string, Map<string, ts.InterfaceDeclaration>>,
): { lines: string[]; problems: string[] } {
  const problems: string[] = []
  const tokens = spec.trim().split(/\s+/)
  const without = new Set(
    tokens
      .find((t) => t.startsWith('without='))
      ?.slice(8)
      .split(',') ?? [],
  )
  // Interfaces in order, each with the prefix in force where it is named.
  const named: { name: string; prefix: string; declaration: ts.InterfaceDeclaration }[] = []
  let prefix = ''
  for (const token of tokens) {
    if (token.startsWith('prefix=')) prefix = token.slice(7)
    if (token.includes('=')) continue
    const [pkg, name] = token.includes('/') ? (token.split('/', 2) as [string, string]) : [undefined, token]
    const declaration =
      (pkg ? all.get(pkg)?.get(name) : undefined) ??
      (!pkg && readmePackage ? all.get(readmePackage)?.get(name) : undefined) ??
      (!pkg ? [...all.values()].map((m) => m.get(name)).find(Boolean) : undefined)
    if (declaration) named.push({ name, prefix, declaration })
    else problems.push(`no interface named ${token} in packages/*/src`)
  }
  // `{ client: X; url?: never } | { url: string; client?: never }`: each is required, one of them.
  const alternatives = named.flatMap(({ declaration }) =>
    fieldsOf(declaration)
      .filter((f) => f.never)
      .map((f) => f.name),
  )
  const inOrder = named.flatMap(({ declaration }) =>
    fieldsOf(declaration)
      .filter((f) => !f.never && alternatives.includes(f.name))
      .map((f) => f.name),
  )
  const oneOf = `(one of ${[...new Set(inOrder)].map((n) => `\`${n}\``).join(', ')})`
  const rows: string[] = []
  const seen = new Set<string>()
  for (const { name, prefix, declaration } of named) {
    for (const field of fieldsOf(declaration)) {
      const shown = `${prefix}${field.name}`
      if (field.skip || without.has(field.name) || seen.has(shown)) continue
      seen.add(shown)
      if (!field.doc) problems.push(`${name}.${field.name} has no doc comment`)
      if (!field.required && field.defaultText === undefined && /\bdefault\b/i.test(field.doc))
        problems.push(`${name}.${field.name} names a default in its text: say it with @default`)
      else if (!field.required && field.defaultText === undefined && !field.hook)
        problems.push(`${name}.${field.name} is optional but has no @default (say what leaving it out means)`)
      const defaultCell = field.required
        ? alternatives.includes(field.name)
          ? oneOf
          : '(required)'
        : formatDefault(field.defaultText ?? '')
      rows.push(`| \`${shown}\` |${defaultCell ? ` ${cell(defaultCell)} ` : ' '}| ${cell(field.doc)} |`)
    }
  }
  return { lines: [...HEAD, ...rows], problems }
}

/** What users read: the root and package READMEs and every Markdown file under docs, relative to the root. */
export function markdownFiles(): string[] {
  const found = ['README.md']
  for (const dir of readdirSync(join(root, 'packages'))) {
    try {
      readFileSync(join(root, 'packages', dir, 'README.md'))
      found.push(`packages/${dir}/README.md`)
    } catch {}
  }
  const walk = (dir: string) => {
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(join(root, dir), { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.md')) found.push(path)
    }
  }
  walk('docs')
  return found
}

/** Problems (`file:line: …`) with every options table; with `write`, rewrites the tables instead. */
export function checkOptionTables(write = false): { problems: string[]; tables: number } {
  const all = interfaces()
  const problems: string[] = []
  let tables = 0
  for (const readme of markdownFiles()) {
    const path = join(root, readme)
    const lines = readFileSync(path, 'utf8').split('\n')
    const readmePackage = readme.startsWith('packages/') ? readme.split('/')[1] : undefined
    const out: string[] = []
    let changed = false
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!
      out.push(line)
      const open = MARKER.exec(line.trim())
      if (!open) continue
      tables++
      let end = i + 1
      while (end < lines.length && lines[end]!.trim() !== END) end++
      if (end === lines.length) {
        problems.push(`${readme}:${i + 1}: the options table is never closed with ${END}`)
        continue
      }
      const current = lines.slice(i + 1, end)
      const { lines: wanted, problems: found } = tableFor(open[1]!, readmePackage, all)
      for (const p of found) problems.push(`${readme}:${i + 1}: ${p}`)
      if (current.join('\n') !== wanted.join('\n')) {
        changed = true
        if (!write) {
          const at = current.findIndex((row, k) => row !== wanted[k])
          const index = at === -1 ? Math.min(current.length, wanted.length) : at
          problems.push(
            `${readme}:${i + 2 + index}: the options table differs from the JSDoc of ${open[1]} (run \`node --import tsx scripts/check-options.ts --write\`)\n    README: ${current[index] ?? '(no row)'}\n    JSDoc:  ${wanted[index] ?? '(no row)'}`,
          )
        }
      }
      out.push(...wanted, lines[end]!)
      i = end
    }
    if (write && changed) writeFileSync(path, out.join('\n'))
  }
  return { problems, tables }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const write = process.argv.includes('--write')
  const { problems, tables } = checkOptionTables(write)
  if (problems.length > 0) {
    console.error(problems.join('\n'))
    console.error(`check-options: ${problems.length} problem(s) in ${tables} tables`)
    process.exit(1)
  }
  console.log(`check-options: ${tables} options tables ${write ? 'written' : 'match the JSDoc'}`)
}
