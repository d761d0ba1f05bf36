/**
 * The Lua scripts the adapter runs in Redis: each is one atomic step, so that presence and routing never act on a
 * value another node changed in between. Run by SHA, loaded again after a Redis restart (NOSCRIPT).
 *
 * Presence values are `<nodeId>\t<incarnation>\t<protocol>\t<connection>`; a node's liveness key holds its
 * incarnation, so a node restarted under the same id is a different node.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Take ownership of an identity. KEYS[1] presence key. ARGV: value, ttl (ms), inbox channel prefix, this node's id.
 * Returns the previous value (or false). When another node held it, that node is told to close its connection.
 */
export const CLAIM = script(`
local previous = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if previous and previous ~= ARGV[1] then
  local node = string.match(previous, '^([^\\t]*)\\t')
  if node and node ~= ARGV[4] then
    redis.call('PUBLISH', ARGV[3] .. node,
      cjson.encode({ t = 'claim', identity = ARGV[5], previous = previous, by = ARGV[4] }))
  end
end
return previous
`);

/** Release an identity if this connection still holds it. KEYS[1] presence key; ARGV[1] value. Returns 1 if deleted. */
export const RELEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`);

/**
 * Refresh this node's presence keys (and recreate those a Redis restart lost). KEYS: presence keys; ARGV[1] ttl,
 * then one value per key. Returns the indexes (1-based) of keys that another connection holds now.
 */
export const REFRESH = script(`
local superseded = {}
for i = 1, #KEYS do
  local current = redis.call('GET', KEYS[i])
  if current == false or current == ARGV[i + 1] then
    redis.call('SET', KEYS[i], ARGV[i + 1], 'PX', ARGV[1])
  else
    superseded[#superseded + 1] = i
  end
end
return superseded
`);

/**
 * Route a request: find the owner, check it is alive and the deadline has not passed, publish to its inbox.
 * KEYS[1] presence key. ARGV: node key prefix, inbox channel prefix, deadline (Redis ms), message.
 * Returns {0} absent, {1, value} owner not alive, {2, value} expired, {3, value, receivers} published.
 */
export const ROUTE = script(`
local value = redis.call('GET', KEYS[1])
if not value then return {0} end
local node, incarnation = string.match(value, '^([^\\t]*)\\t([^\\t]*)\\t')
if not node or redis.call('GET', ARGV[1] .. node) ~= incarnation then return {1, value} end
local t = redis.call('TIME')
if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) >= tonumber(ARGV[3]) then return {2, value} end
return {3, value, redis.call('PUBLISH', ARGV[2] .. node, ARGV[4])}
`);

/** Look an identity up. KEYS[1] presence key; ARGV[1] node key prefix. Returns {value, alive (0|1)} or {}. */
export const LOCATE = script(`
local value = redis.call('GET', KEYS[1])
if not value then return {} end
local node, incarnation = string.match(value, '^([^\\t]*)\\t([^\\t]*)\\t')
if node and redis.call('GET', ARGV[1] .. node) == incarnation then return {value, 1} end
return {value, 0}
`);

/** Runs a script by SHA, sending its source when Redis does not know it (first use, or after a restart). */
export async function runScript(
  redis: Redis,
  s: Script,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
      return await redis.eval(s.source, keys.length, ...keys, ...args);
    }
    throw error;
  }
}
