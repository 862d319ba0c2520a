import { describeRedisContracts } from './contracts.js'

// One file per library, so the two run in parallel.
describeRedisContracts('node-redis')
