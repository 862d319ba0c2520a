import { script } from './scripts.js'

/*
 * The pumping brake's keys share one hash tag per country ({otp:brake:GB}), so a country's counters, its
 * prefixes' counters, its pauses and its remembered sends live in one Cluster slot and one script can read
 * and write them all. Counters are hashes of `<bucket>:<s|v|d|u>` (sent, verified, delivered, undelivered)
 * by the bucket of the send; a number's remembered sends are `<bucket>|<uid>|<''|d|u>` (its report, once
 * known) joined by `;`, newest last: a resend must not lose the report of the code before.
 * Times are the service's clock (ARGV), not Redis's, so a test's moved clock and every instance agree.
 */

/** Shared Lua: the buckets judged at `now` (all codes expired) and how long counters are kept. */
const WINDOW = `
local now, bucketMs, windowMs, maturity = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local hi = math.floor((now - maturity) / bucketMs) - 1
local lo = hi - math.ceil(windowMs / bucketMs) + 1
local keep = windowMs + maturity + 2 * bucketMs
local function parseSends(value)
  local sends = {}
  for bucket, uid, report in string.gmatch(value, '(-?%d+)|([^|;]*)|(%a?)') do sends[#sends + 1] = {bucket, uid, report} end
  return sends
end
local function joinSends(sends)
  local parts = {}
  for i, s in ipairs(sends) do parts[i] = s[1] .. '|' .. s[2] .. '|' .. s[3] end
  return table.concat(parts, ';')
end
`

/**
 * send. KEYS: country counters, prefix counters, pauses, the number's remembered send, the country's
 * prefixes (a sorted set by last send). ARGV: now, bucketMs, windowMs, maturityMs, coolOffMs, prefix
 * minSends and minVerifiedRatio, country minSends and minVerifiedRatio, prefix pinned, country pinned (1/0),
 * prefix, uid. Refuses when the prefix or country is paused (unless pinned); else judges the matured window (prefix first,
 * pruning buckets that left it), trips a pause (and clears that scope's counters) or counts the send.
 * Returns {1}, or {0, scope, pause, tripped} where pause is `until|since|sent|verified|delivered|undelivered`.
 */
export const BRAKE_SEND = script(`${WINDOW}
local coolOff = tonumber(ARGV[5])
local prefixField = 'p:' .. ARGV[12]
local function paused(field)
  local pause = redis.call('HGET', KEYS[3], field)
  if not pause then return nil end
  if tonumber(string.match(pause, '^(%d+)')) > now then return pause end
  redis.call('HDEL', KEYS[3], field)
  return nil
end
local pause = ARGV[10] == '0' and paused(prefixField)
if pause then return {0, 'prefix', pause, 0} end
pause = ARGV[11] == '0' and paused('c')
if pause then return {0, 'country', pause, 0} end
local function judge(key, pinned, minSends, minRatio)
  local all = redis.call('HGETALL', key)
  local f, stale = {s = 0, v = 0, d = 0, u = 0}, {}
  for i = 1, #all, 2 do
    local bucket, kind = string.match(all[i], '^(-?%d+):(%a)$')
    bucket = tonumber(bucket)
    if bucket < lo then stale[#stale + 1] = all[i]
    elseif bucket <= hi then f[kind] = f[kind] + tonumber(all[i + 1]) end
  end
  if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
  local evidence = f.s - f.u
  if pinned == '0' and evidence >= tonumber(minSends) and f.v < tonumber(minRatio) * evidence then return f end
  return nil
end
local function trip(key, field, f)
  local pause = (now + coolOff) .. '|' .. now .. '|' .. f.s .. '|' .. f.v .. '|' .. f.d .. '|' .. f.u
  redis.call('HSET', KEYS[3], field, pause)
  if redis.call('PTTL', KEYS[3]) < coolOff then redis.call('PEXPIRE', KEYS[3], coolOff) end
  redis.call('DEL', key)
  return pause
end
local f = judge(KEYS[2], ARGV[10], ARGV[6], ARGV[7])
if f then return {0, 'prefix', trip(KEYS[2], prefixField, f), 1} end
f = judge(KEYS[1], ARGV[11], ARGV[8], ARGV[9])
if f then return {0, 'country', trip(KEYS[1], 'c', f), 1} end
local bucket = math.floor(now / bucketMs)
for i = 1, 2 do
  redis.call('HINCRBY', KEYS[i], bucket .. ':s', 1)
  redis.call('PEXPIRE', KEYS[i], keep)
end
-- Older sends stay for their reports while their buckets are in the window; at most 8 (as in memory).
local sends = {}
for _, s in ipairs(parseSends(redis.call('GET', KEYS[4]) or '')) do
  if tonumber(s[1]) >= lo then sends[#sends + 1] = s end
end
sends[#sends + 1] = {bucket, ARGV[13], ''}
while #sends > 8 do table.remove(sends, 1) end
redis.call('SET', KEYS[4], joinSends(sends), 'PX', windowMs + maturity)
redis.call('ZADD', KEYS[5], now, ARGV[12])
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - keep)
redis.call('PEXPIRE', KEYS[5], keep)
return {1}
`)

/**
 * A change to one of the number's remembered sends (the newest for `verified`, else the one with `uid`),
 * counted in its bucket while that is in the window. KEYS: the remembered sends, country counters, prefix
 * counters. ARGV: now, bucketMs, windowMs, maturityMs, what (`verified`, `delivered`, `undelivered`,
 * `unsend`), uid (any for `verified`). Returns 1 when counted.
 */
export const BRAKE_OUTCOME = script(`${WINDOW}
local remembered = redis.call('GET', KEYS[1])
if not remembered then return 0 end
local sends = parseSends(remembered)
local what = ARGV[5]
local index = what == 'verified' and #sends or nil
if not index then
  for i, s in ipairs(sends) do if s[2] == ARGV[6] then index = i end end
end
if not index or index == 0 then return 0 end
local bucket, report = sends[index][1], sends[index][3]
local counts = {}
if what == 'verified' or what == 'unsend' then
  -- Each verify takes one send, so verifies never outnumber sends.
  table.remove(sends, index)
  counts = what == 'verified' and {{'v', 1}} or {{'s', -1}}
  -- It reached the phone after all: the report was wrong, and the send is evidence again.
  if what == 'verified' and report == 'u' then counts[2] = {'u', -1} end
else
  if report ~= '' then return 0 end
  local kind = what == 'delivered' and 'd' or 'u'
  sends[index][3] = kind
  counts = {{kind, 1}}
end
if #sends == 0 then redis.call('DEL', KEYS[1])
else
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('SET', KEYS[1], joinSends(sends), 'PX', ttl) end
end
if tonumber(bucket) < lo then return 0 end
for i = 2, 3 do
  for _, count in ipairs(counts) do redis.call('HINCRBY', KEYS[i], bucket .. ':' .. count[1], count[2]) end
  redis.call('PEXPIRE', KEYS[i], keep)
end
return 1
`)

/** The pauses in force. KEYS: pauses. ARGV: now. Returns field, pause, field, pause… (ended ones are deleted). */
export const BRAKE_LIST = script(`
local now, out = tonumber(ARGV[1]), {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if tonumber(string.match(all[i + 1], '^(%d+)')) > now then
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  else redis.call('HDEL', KEYS[1], all[i]) end
end
return out
`)

/** Ends a pause and starts its evidence afresh. KEYS: pauses, the scope's counters. ARGV: field, now. */
export const BRAKE_RELEASE = script(`
local pause = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
if pause and tonumber(string.match(pause, '^(%d+)')) > tonumber(ARGV[2]) then return 1 end
return 0
`)

/** The prefixes a country sent to since ARGV[1]. KEYS: the country's prefixes. */
export const BRAKE_PREFIXES = script(`
return redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
`)

/** Sums of every counters hash in KEYS over buckets from ARGV[1] on: {sent, verified, delivered, undelivered} each. */
export const BRAKE_FIGURES = script(`
local lo, out = tonumber(ARGV[1]), {}
for k = 1, #KEYS do
  local f = {s = 0, v = 0, d = 0, u = 0}
  local all = redis.call('HGETALL', KEYS[k])
  for i = 1, #all, 2 do
    local bucket, kind = string.match(all[i], '^(-?%d+):(%a)$')
    if tonumber(bucket) >= lo then f[kind] = f[kind] + tonumber(all[i + 1]) end
  end
  out[k] = {f.s, f.v, f.d, f.u}
end
return out
`)
