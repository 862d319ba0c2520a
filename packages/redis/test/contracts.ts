import {
  describeDedupeStoreContract,
  describeOtpStoreContract,
  describeSendLedgerContract,
  describeThrottleStoreContract,
} from '@yunpian-kit/store-contract'
import { RedisDedupeStore, RedisOtpStore, RedisSendLedger, RedisThrottleStore } from '../src/index.js'
import { CLIENTS } from './clients.js'

/** The store contract suites (@yunpian-kit/store-contract), unchanged, on real Redis servers through the clients of one library. */
export function describeRedisContracts(library: 'ioredis' | 'node-redis'): void {
  for (const [name, connect] of Object.entries(CLIENTS).filter(([n]) => n.startsWith(`${library} `))) {
    describeThrottleStoreContract(`RedisThrottleStore, ${name}`, async () => {
      const { client, close } = await connect()
      return { store: new RedisThrottleStore({ client }), close }
    })
    describeOtpStoreContract(`RedisOtpStore, ${name}`, async () => {
      const { client, close } = await connect()
      return { store: new RedisOtpStore({ client }), close }
    })
    describeDedupeStoreContract(`RedisDedupeStore, ${name}`, async () => {
      const { client, close } = await connect()
      return { store: new RedisDedupeStore({ client }), close }
    })
    describeSendLedgerContract(`RedisSendLedger, ${name}`, async () => {
      const { client, close } = await connect()
      return { store: new RedisSendLedger({ client, name: `sends-${library}-${Math.random()}` }), close }
    })
  }
}
