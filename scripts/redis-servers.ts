import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface RedisServer {
  port: number
  stop(): Promise<void>
}

/** A real `redis-server` on loopback, with no persistence, stopped by `stop()`. */
export async function startRedisServer(
  options: { port?: number; cluster?: boolean; dir?: string } = {},
): Promise<RedisServer> {
  const port = options.port ?? (await freePort())
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'ypk-redis-'))
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ]
  if (options.cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`)
  let child: ChildProcess
  try {
    child = spawn('redis-server', args, { stdio: 'ignore' })
  } catch (error) {
    throw new Error(
      `redis-server could not start (${(error as Error).message}); install it: apt-get install -y redis-server`,
    )
  }
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error) =>
      reject(
        new Error(
          `redis-server is missing or failed (${error.message}); install it: apt-get install -y redis-server`,
        ),
      ),
    )
    child.once('spawn', () => resolve())
  })
  await waitFor(async () => (await cli(port, 'PING')).trim() === 'PONG', `redis-server on ${port}`)
  return {
    port,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGKILL')
        await exited
      }
      if (!options.dir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Three masters, slots split by `redis-cli --cluster create`, waited on until every node says ok. */
export async function startRedisCluster(): Promise<{ ports: number[]; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'ypk-cluster-'))
  const nodes = await Promise.all([0, 1, 2].map(() => startRedisServer({ cluster: true, dir })))
  const ports = nodes.map((n) => n.port)
  await run('redis-cli', [
    '--cluster',
    'create',
    ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ])
  await waitFor(async () => {
    const states = await Promise.all(ports.map((p) => cli(p, 'CLUSTER', 'INFO')))
    return states.every((s) => s.includes('cluster_state:ok'))
  }, 'the cluster')
  return {
    ports,
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function cli(port: number, ...args: string[]): Promise<string> {
  try {
    return (await run('redis-cli', ['-p', String(port), ...args], { timeout: 2_000 })).stdout
  } catch {
    return ''
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${what} was not ready within ${timeoutMs} ms`)
}
