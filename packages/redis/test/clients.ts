import { Cluster, Redis } from 'ioredis'
import { createClient, createCluster } from 'redis'
import { inject } from 'vitest'
import type { RedisClientLike } from '../src/index.js'

export interface ClientUnderTest {
  client: RedisClientLike
  close(): Promise<void>
}

/** The four ways users connect: ioredis and node-redis, standalone and Cluster, all on real servers. */
export const CLIENTS: Record<string, () => Promise<ClientUnderTest>> = {
  'ioredis standalone': async () => {
    const client = new Redis({ host: '127.0.0.1', port: inject('redisPort') })
    return { client, close: async () => void (await client.quit()) }
  },
  'ioredis Cluster': async () => {
    const client = new Cluster(inject('clusterPorts').map((port) => ({ host: '127.0.0.1', port })))
    return { client, close: async () => void (await client.quit()) }
  },
  'node-redis standalone': async () => {
    const client = createClient({ url: `redis://127.0.0.1:${inject('redisPort')}` })
    client.on('error', () => undefined)
    await client.connect()
    return { client: client as unknown as RedisClientLike, close: async () => void client.destroy() }
  },
  'node-redis cluster': async () => {
    const client = createCluster({
      rootNodes: inject('clusterPorts').map((port) => ({ url: `redis://127.0.0.1:${port}` })),
    })
    client.on('error', () => undefined)
    await client.connect()
    return { client: client as unknown as RedisClientLike, close: async () => void client.destroy() }
  },
}
