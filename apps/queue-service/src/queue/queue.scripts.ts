/**
 * Lua run inside Redis, so that each step is atomic across every queue-service replica sharing the Redis.
 * Keys: waiting (sorted set of user ids by join sequence), sequence (counter), joined-at (hash user -> ms),
 * admission:<user> (hash token/expiresAt with a TTL), admitted-in:<second> (how many were let in that second).
 */

// KEYS: waiting, sequence, joined-at, admission:<user>. ARGV: userId, joinedAt ("<ms>" or "<ms>:<traceparent>").
// Returns [position, isNew]; position 0 means the user already holds a live admission.
export const joinScript = `
if redis.call('EXISTS', KEYS[4]) == 1 then return {0, 0} end
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if rank then return {rank + 1, 0} end
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[2]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return {redis.call('ZRANK', KEYS[1], ARGV[1]) + 1, 1}
`;

// KEYS: waiting, joined-at, admitted-in:<second>. ARGV: perSecond, ttlMs, nowMs, admissionKeyPrefix, tokens...
// Pops up to what is left of this second's allowance from the head of the queue and gives each a token.
// Returns a flat list: queue length left, then userId, joinedAt, userId, joinedAt, ...
export const admitScript = `
local used = tonumber(redis.call('GET', KEYS[3]) or '0')
local wanted = math.min(tonumber(ARGV[1]) - used, #ARGV - 4)
if wanted <= 0 then return {redis.call('ZCARD', KEYS[1])} end
local popped = redis.call('ZPOPMIN', KEYS[1], wanted)
if #popped == 0 then return {0} end
local admitted = {0}
local expiresAt = tonumber(ARGV[3]) + tonumber(ARGV[2])
for i = 1, #popped, 2 do
  local user = popped[i]
  local key = ARGV[4] .. user
  redis.call('HSET', key, 'token', ARGV[4 + (i + 1) / 2], 'expiresAt', expiresAt)
  redis.call('PEXPIRE', key, ARGV[2])
  admitted[#admitted + 1] = user
  admitted[#admitted + 1] = redis.call('HGET', KEYS[2], user) or ARGV[3]
  redis.call('HDEL', KEYS[2], user)
end
redis.call('INCRBY', KEYS[3], #popped / 2)
redis.call('PEXPIRE', KEYS[3], 5000)
admitted[1] = redis.call('ZCARD', KEYS[1])
return admitted
`;
