import type { TestProject } from 'vitest/node'
import { startRedisCluster, startRedisServer } from '../../../scripts/redis-servers.js'

declare module 'vitest' {
  export interface ProvidedContext {
    redisPort: number
    clusterPorts: number[]
  }
}

/** One standalone redis-server and one three-node cluster for the whole run, stopped after. */
export default async function setup(project: TestProject) {
  const [standalone, cluster] = await Promise.all([startRedisServer(), startRedisCluster()])
  project.provide('redisPort', standalone.port)
  project.provide('clusterPorts', cluster.ports)
  return async () => {
    await Promise.all([standalone.stop(), cluster.stop()])
  }
}
