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
 * The most events CONSUME reads by rank (see there). Reading an event costs Redis about half a ZCOUNT's time,
 * and the set stays small where limits are small (a per-phone or per-IP key holds a handful), so a short read
 * that often holds the whole set beats a ZCOUNT per rule; a longer one costs more than the ZCOUNTs it saves.
 * Measured in Redis's own time per call (INFO commandstats), rules 1/30 s, 3/h, 10/day, 1 to 10 events: reads
 * of up to 3 or 4 beat ZCOUNT per rule at every size (6.2 against 7.7 µs with one event, 10.1–10.8 against
 * 11.2 with ten); reading up to 10 was cheapest up to 3 events but the dearest from 6 on.
 */
export const CONSUME_READ_MAX = 4

/**
 * consume. KEYS[1]: the key's events (a sorted set of times in ms). ARGV: the longest window (ms), then limit
 * and window (ms) per rule. Time comes from Redis, so instances with skewed clocks agree. A rule needs only its
 * newest `limit` events: it refuses when the limit-th newest is still in its window (and must wait for it to
 * leave), and otherwise counts fewer than `limit`. So when a rule's limit is at most CONSUME_READ_MAX, one ZRANGE
 * by rank reads the newest events (as many as the largest limit, at most CONSUME_READ_MAX); it answers every
 * rule whose limit it covers, and every rule when it comes back short (it then holds the whole set). Each other
 * rule takes one ZCOUNT, and one ZRANGE by rank if it refuses. Either way a decision costs O(log n) however many
 * events the key holds. A refusal only reads. An admission adds the event, drops what left the longest window
 * (no call when the read held the whole set and nothing had left) and expires the set with it.
 * Returns {1, remaining} or {0, refusing rule (1-based), wait ms}.
 */
export const CONSUME = script(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local rules, smallest, largest = (#ARGV - 1) / 2, math.huge, 0
for i = 1, rules do
  local limit = tonumber(ARGV[2 * i])
  smallest, largest = math.min(smallest, limit), math.max(largest, limit)
end
local read = smallest <= ${CONSUME_READ_MAX} and math.min(largest, ${CONSUME_READ_MAX}) or 0
local events = read > 0 and redis.call('ZRANGE', KEYS[1], -read, -1, 'WITHSCORES') or {}
local stored = #events / 2
local whole = stored < read
local refusing, wait, remaining = 0, -1, -1
for i = 1, rules do
  local limit, window = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local count, oldest = 0, nil
  if limit <= read or whole then
    -- The read holds this rule's newest limit events (or all of them), so a count below limit is exact.
    local j = stored
    while j > 0 and tonumber(events[2 * j]) > now - window do
      count = count + 1
      j = j - 1
    end
    if limit > 0 and count >= limit then oldest = events[2 * (stored - limit + 1)] end
  else
    count = redis.call('ZCOUNT', KEYS[1], '(' .. (now - window), '+inf')
    if limit > 0 and count >= limit then oldest = redis.call('ZRANGE', KEYS[1], -limit, -limit, 'WITHSCORES')[2] end
  end
  if count >= limit then
    -- The limit-th newest event must leave the window before another fits.
    local w = window
    if oldest then w = tonumber(oldest) + window - now end
    if w > wait then refusing, wait = i, w end
  elseif remaining < 0 or limit - count - 1 < remaining then
    remaining = limit - count - 1
  end
end
if refusing > 0 then return {0, refusing, wait} end
local member, k = time[1] .. '.' .. time[2], 0
while redis.call('ZADD', KEYS[1], 'NX', now, k == 0 and member or member .. '.' .. k) == 0 do k = k + 1 end
local expired = now - tonumber(ARGV[1])
if not whole or (stored > 0 and tonumber(events[2]) <= expired) then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', expired)
end
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
