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

/**
 * Queue: make sure the consumer group exists (from the stream's start, so nothing added before any
 * consumer ran is skipped); an existing group is left as it is.
 */
const ENSURE_GROUP = `redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')`

/**
 * Queue enqueue, idempotent per record. KEYS[1]: the stream; KEYS[2..]: one marker key per record.
 * ARGV: group, marker ttl ms, then the record's id and payload per record. A record whose marker exists was queued
 * before (an enqueue that timed out after it landed) and is not added again. Returns how many were added.
 */
export const QUEUE_ADD = script(`
${ENSURE_GROUP}
local added = 0
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'PX', ARGV[2], 'NX') then
    redis.call('XADD', KEYS[1], '*', 'id', ARGV[2 * i - 1], 'p', ARGV[2 * i])
    added = added + 1
  end
end
return added
`)

/**
 * Queue take. KEYS[1]: the stream. ARGV: group, consumer, count, lease ms, claim cursor. First claims
 * entries idle longer than the lease (left by a dead consumer, or due for a retry), then reads new ones.
 * Returns {next cursor, {{id, fields, deliveries}...}}.
 */
export const QUEUE_TAKE = script(`
${ENSURE_GROUP}
local stream, group, consumer, count = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
local taken = {}
local claimed = redis.call('XAUTOCLAIM', stream, group, consumer, ARGV[4], ARGV[5], 'COUNT', count)
for _, entry in ipairs(claimed[2]) do
  if entry[2] then taken[#taken + 1] = entry end
end
if #taken < count then
  local fresh = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count - #taken, 'STREAMS', stream, '>')
  if fresh then
    for _, entry in ipairs(fresh[1][2]) do taken[#taken + 1] = entry end
  end
end
local out = {}
for _, entry in ipairs(taken) do
  local pending = redis.call('XPENDING', stream, group, entry[1], entry[1], 1)
  out[#out + 1] = {entry[1], entry[2], pending[1] and pending[1][4] or 1}
end
return {claimed[1], out}
`)

/** Queue ack. KEYS[1]: the stream. ARGV: group, then entry ids: acknowledged and deleted. */
export const QUEUE_ACK = script(`
for i = 2, #ARGV do
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
end
return #ARGV - 1
`)

/**
 * Queue retry later. KEYS[1]: the stream. ARGV: group, consumer, idle ms, then entry ids. Sets the entries'
 * idle time so that the take after the backoff claims them (the delivery count is left as it is).
 */
export const QUEUE_RETRY = script(`
for i = 4, #ARGV do
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', ARGV[3], 'JUSTID')
end
return #ARGV - 3
`)

/**
 * Queue dead-letter. KEYS[1]: the stream, KEYS[2]: the dead-letter list. ARGV: group, then entry id and
 * the dead letter's JSON per entry: appended to the list, acknowledged and deleted in one step.
 */
export const QUEUE_DEAD = script(`
for i = 2, #ARGV, 2 do
  redis.call('RPUSH', KEYS[2], ARGV[i + 1])
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
end
return (#ARGV - 1) / 2
`)

/** Queue dead letters. KEYS[1]: the list; ARGV: first and last index. */
export const QUEUE_DEAD_LIST = script(`return redis.call('LRANGE', KEYS[1], ARGV[1], ARGV[2])`)

/** Ledger remember. KEYS: due (sorted set), sends (hash). ARGV: due time, then sid and JSON per send. */
export const LEDGER_REMEMBER = script(`
for i = 2, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
return (#ARGV - 1) / 2
`)

/**
 * Ledger take. KEYS: due, sends. ARGV: now, limit, lease ms. The due sends move to now + lease, so no other
 * instance takes them meanwhile. Returns their JSON.
 */
export const LEDGER_TAKE = script(`
local sids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out = {}
for _, sid in ipairs(sids) do
  redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), sid)
  local json = redis.call('HGET', KEYS[2], sid)
  if json then out[#out + 1] = json else redis.call('ZREM', KEYS[1], sid) end
end
return out
`)

/** Ledger forget. KEYS: due, sends. ARGV: sids. */
export const LEDGER_FORGET = script(`
for i = 1, #ARGV do
  redis.call('ZREM', KEYS[1], ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
end
return #ARGV
`)
