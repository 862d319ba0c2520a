import { script } from './scripts.js'

/**
 * Dedupe claim. KEYS[1]: the id's key. ARGV: lease token, lease ms. The key holds the lease holder's token
 * or `=done`. Returns 'claimed', 'busy' or 'done'.
 */
export const DEDUPE_CLAIM = script(`
local held = redis.call('GET', KEYS[1])
if held == '=done' then return 'done' end
if held then return 'busy' end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 'claimed'
`)

/** Dedupe release. KEYS[1]: the id's key. ARGV[1]: the lease token; only its holder deletes the key. */
export const DEDUPE_RELEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)
