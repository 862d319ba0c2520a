import { createHash } from 'node:crypto'

/** A Lua script with its SHA1, computed here so the first call can already go by SHA. */
export interface Script {
  readonly source: string
  readonly sha: string
}

export function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/**
 * consume. KEYS[1]: the key's events (a sorted set of times in ms). ARGV: the longest window (ms), then limit
 * and window (ms) per rule. Time comes from Redis, so instances with skewed clocks agree. Every step is a
 * range operation, so a decision costs O(log n) however many events the key holds: one ZCOUNT per rule,
 * and for a refusing rule one ZRANGE by rank (its limit-th newest event must leave the window before
 * another fits). A refusal only reads. An admission adds the event, drops what left the longest window
 * and expires the set with it; the set then holds fewer events than the longest window's limit, since that
 * rule just admitted.
 * Returns {1, remaining} or {0, refusing rule (1-based), wait ms}.
 */
export const CONSUME = script(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local refusing, wait, remaining = 0, -1, -1
for i = 1, (#ARGV - 1) / 2 do
  local limit, window = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local count = redis.call('ZCOUNT', KEYS[1], '(' .. (now - window), '+inf')
  if count >= limit then
    local w = window
    if limit > 0 then w = tonumber(redis.call('ZRANGE', KEYS[1], -limit, -limit, 'WITHSCORES')[2]) + window - now end
    if w > wait then refusing, wait = i, w end
  elseif remaining < 0 or limit - count - 1 < remaining then
    remaining = limit - count - 1
  end
end
if refusing > 0 then return {0, refusing, wait} end
local member, k = time[1] .. '.' .. time[2], 0
while redis.call('ZADD', KEYS[1], 'NX', now, k == 0 and member or member .. '.' .. k) == 0 do k = k + 1 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if remaining < 0 then remaining = 0 end
return {1, remaining}
`)

/** refund. KEYS[1]: the key's events. Removes the newest. */
export const REFUND = script(`return redis.call('ZREMRANGEBYRANK', KEYS[1], -1, -1)`)

/**
 * verify. KEYS: the challenge (value "digest:attemptsLeft"). ARGV: the candidate digest. Counts the attempt,
 * compares, deletes on success or when attempts run out; the TTL is kept otherwise.
 * The digests are HMACs under a secret Redis never sees, so Lua's non-constant-time compare leaks nothing useful.
 */
export const VERIFY = script(`
local value = redis.call('GET', KEYS[1])
if not value then return 'missing' end
local sep = string.find(value, ':', 1, true)
local digest = string.sub(value, 1, sep - 1)
local left = tonumber(string.sub(value, sep + 1)) - 1
if digest == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 'verified'
end
if left <= 0 then
  redis.call('DEL', KEYS[1])
  return 'exhausted'
end
redis.call('SET', KEYS[1], digest .. ':' .. left, 'KEEPTTL')
return 'mismatch'
`)

/** `SET key value PX ttl` (ARGV[3] = '1' adds NX); 1 when set. A script, so both client libraries share one path. */
export const SET = script(`
if ARGV[3] == '1' then
  return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') and 1 or 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

export const DEL = script(`return redis.call('DEL', KEYS[1])`)
