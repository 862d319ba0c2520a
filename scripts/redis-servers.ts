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

/**
 * A real `redis-server` on loopback, with no persistence, stopped by `stop()`. `cluster`: a Cluster node
 * (its bus on a free port of its own: the default, port + 10,000, is past 65,535 for high ports), with
 * `nodeTimeoutMs` as `cluster-node-timeout`.
 */
export async function startRedisServer(
  options: { port?: number; cluster?: boolean; dir?: string; nodeTimeoutMs?: number } = {},
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
  if (options.cluster) {
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`)
    args.push('--cluster-port', String(await freePort()))
    if (options.nodeTimeoutMs) args.push('--cluster-node-timeout', String(options.nodeTimeoutMs))
  }
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
      // Stopped twice (killed, then the cluster stops): a SIGKILLed child has a signalCode, not an exitCode.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGKILL')
        await exited
      }
      if (!options.dir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface RedisCluster {
  /** Every node, masters first as created (roles change after a failover: ask `masterOf`). */
  ports: number[]
  /** The port of the master that serves `key`'s slot now, as the nodes that are up see it. */
  masterOf(key: string): Promise<number>
  /**
   * Waits until every replica of the master on `port` has acknowledged all it wrote. Replication is
   * asynchronous: a master killed before that loses its last writes, which a test of failover (rather than
   * of Redis's replication) waits out first.
   */
  settle(port: number): Promise<void>
  /** Kills one node with SIGKILL, as a crash would. */
  kill(port: number): Promise<void>
  stop(): Promise<void>
}

/**
 * `masters` masters (3 by default) with `replicas` replicas each (0 by default), slots split by
 * `redis-cli --cluster create`, waited on until every node says ok and every replica is in sync.
 * `nodeTimeoutMs` (`cluster-node-timeout`, Redis's default 15 s) bounds how long a failover takes.
 */
export async function startRedisCluster(
  options: { masters?: number; replicas?: number; nodeTimeoutMs?: number } = {},
): Promise<RedisCluster> {
  const masters = options.masters ?? 3
  const replicas = options.replicas ?? 0
  const dir = mkdtempSync(join(tmpdir(), 'ypk-cluster-'))
  const nodes = await Promise.all(
    Array.from({ length: masters * (1 + replicas) }, () =>
      startRedisServer({ cluster: true, dir, nodeTimeoutMs: options.nodeTimeoutMs }),
    ),
  )
  const ports = nodes.map((n) => n.port)
  const killed = new Set<number>()
  const up = () => ports.filter((p) => !killed.has(p))
  await run('redis-cli', [
    '--cluster',
    'create',
    ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas',
    String(replicas),
    '--cluster-yes',
  ])
  await waitFor(
    async () => {
      const states = await Promise.all(ports.map((p) => cli(p, 'CLUSTER', 'INFO')))
      if (
        !states.every(
          (s) => s.includes('cluster_state:ok') && s.includes(`cluster_known_nodes:${ports.length}`),
        )
      )
        return false
      const roles = await Promise.all(ports.map((p) => cli(p, 'INFO', 'replication')))
      return roles.every((r) => r.includes('role:master') || r.includes('master_link_status:up'))
    },
    'the cluster',
    45_000,
  ) // nodes meet and replicas sync in seconds, longer on a busy machine
  return {
    ports,
    masterOf: async (key) => {
      const [port] = up()
      const slot = Number((await cli(port!, 'CLUSTER', 'KEYSLOT', key)).trim())
      for (const line of (await cli(port!, 'CLUSTER', 'NODES')).split('\n')) {
        const [, address, flags, , , , , , ...ranges] = line.split(' ')
        if (!flags?.split(',').includes('master') || flags.includes('fail')) continue
        for (const range of ranges) {
          const [from, to = from] = range.split('-').map(Number)
          if (slot >= from! && slot <= to!) return Number(address!.split('@')[0]!.split(':')[1])
        }
      }
      throw new Error(`no master serves slot ${slot} of ${key}`)
    },
    settle: async (port) => {
      await waitFor(
        async () => {
          const info = await cli(port, 'INFO', 'replication')
          const offset = /master_repl_offset:(\d+)/.exec(info)?.[1]
          const replicas = [...info.matchAll(/^slave\d+:.*offset=(\d+)/gm)].map((m) => m[1])
          return offset !== undefined && replicas.length > 0 && replicas.every((r) => r === offset)
        },
        `the replicas of ${port}`,
        10_000,
      )
    },
    kill: async (port) => {
      const index = ports.indexOf(port)
      if (index < 0) throw new Error(`no node on port ${port}`)
      killed.add(port)
      await nodes[index]!.stop()
    },
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
