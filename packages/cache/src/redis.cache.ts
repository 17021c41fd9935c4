import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { CacheBackendError } from './cache.errors.js';
import {
  checkStamp,
  effectiveTtl,
  encodeValue,
  guardIds,
  keyGuardId,
  tagGuardIds,
  ttlPolicy,
  type Cache,
  type CacheStamp,
  type CacheTtlOptions,
  type SetOptions,
  type TtlPolicy,
} from './cache.port.js';
import type { JsonValue } from './json.js';
import {
  createRedisClient,
  defineScript,
  operationTimeout,
  toBackendError,
  withDeadline,
} from './redis.client.js';

export interface RedisCacheOptions extends CacheTtlOptions {
  /** A client to share (closed by its owner), or a URL (the cache opens and closes its own). */
  readonly client: Redis | string;
  /** Namespace of this cache's keys, e.g. the service name; caches with other prefixes never meet. */
  readonly prefix: string;
  /** Deadline of one port call, all its round trips included. Default 2 000 ms. */
  readonly operationTimeoutMs?: number;
}

// KEYS = guard keys; ARGV = guard TTL, then one fresh token per guard. Returns the current token
// of each guard, creating the absent ones, and extends their life to at least the guard TTL.
const STAMP_LUA = `
local out = {}
for i = 1, #KEYS do
  local current = redis.call('GET', KEYS[i])
  if current then
    redis.call('PEXPIRE', KEYS[i], ARGV[1], 'GT')
  else
    current = ARGV[i + 1]
    redis.call('SET', KEYS[i], current, 'PX', ARGV[1])
  end
  out[i] = current
end
return out
`;

// KEYS = entry key, then its guard keys. ARGV = value JSON, TTL, guard TTL, mode, then per guard
// its id and a token: in 'stamped' mode the token the stamp saw (any difference refuses the
// write), in 'current' mode a fresh token for a guard that does not exist yet. The entry is
// stored as "<[[guard id, token], ...]>\n<value JSON>"; JSON text never holds a raw newline.
const SET_LUA = `
local header = {}
local stamped = ARGV[4] == 'stamped'
for i = 1, #KEYS - 1 do
  local id = ARGV[3 + 2 * i]
  local token = ARGV[4 + 2 * i]
  local current = redis.call('GET', KEYS[i + 1])
  if stamped then
    if current ~= token then return 0 end
  elseif not current then
    redis.call('SET', KEYS[i + 1], token, 'PX', ARGV[3])
    current = token
  end
  header[i] = { id, current }
end
for i = 2, #KEYS do
  redis.call('PEXPIRE', KEYS[i], ARGV[3], 'GT')
end
redis.call('SET', KEYS[1], cjson.encode(header) .. '\\n' .. ARGV[1], 'PX', ARGV[2])
return 1
`;

interface StoredEntry {
  readonly guards: readonly (readonly [string, string])[];
  readonly json: string;
}

function isGuardPair(value: unknown): value is [string, string] {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'string'
  );
}

/** Anything unreadable (written by another version, or by hand) is a miss, not an error. */
function parseEntry(raw: string | null): StoredEntry | undefined {
  if (raw === null) return undefined;
  const newline = raw.indexOf('\n');
  if (newline < 0) return undefined;
  try {
    const header: unknown = JSON.parse(raw.slice(0, newline));
    // Lua's cjson encodes an empty table as {}, never as [].
    const pairs = Array.isArray(header) ? header : [];
    if (!pairs.every(isGuardPair)) return undefined;
    return { guards: pairs, json: raw.slice(newline + 1) };
  } catch {
    return undefined;
  }
}

function parseValue(json: string): JsonValue | undefined {
  try {
    return JSON.parse(json) as JsonValue;
  } catch {
    return undefined;
  }
}

function newToken(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * The cache on Redis (standalone or Sentinel; see the README for Cluster). Values are validated
 * on read against per-guard tokens, so invalidation is one write per tag and never races a
 * concurrent `set` (README, "Invalidation").
 */
export class RedisCache implements Cache {
  readonly #client: Redis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #ttl: TtlPolicy;
  readonly #timeoutMs: number;
  readonly #stampScript: (
    keys: readonly string[],
    args: readonly (string | number)[],
  ) => Promise<unknown>;
  readonly #setScript: (
    keys: readonly string[],
    args: readonly (string | number)[],
  ) => Promise<unknown>;
  #closed = false;

  constructor(options: RedisCacheOptions) {
    if (options.prefix === '') throw new RangeError('a cache needs a non-empty key prefix');
    this.#ttl = ttlPolicy(options);
    this.#timeoutMs = operationTimeout(options.operationTimeoutMs);
    this.#prefix = options.prefix;
    this.#ownsClient = typeof options.client === 'string';
    this.#client =
      typeof options.client === 'string' ? createRedisClient(options.client) : options.client;
    this.#stampScript = defineScript(this.#client, 'maisonCacheStampV1', STAMP_LUA);
    this.#setScript = defineScript(this.#client, 'maisonCacheSetV1', SET_LUA);
  }

  async get(key: string): Promise<JsonValue | undefined> {
    const [value] = await this.#run('get', () => this.#readMany([key]));
    return value;
  }

  getMany(keys: readonly string[]): Promise<(JsonValue | undefined)[]> {
    return this.#run('getMany', () => this.#readMany(keys));
  }

  stamp(key: string, tags: readonly string[] = []): Promise<CacheStamp> {
    return this.#run('stamp', async () => {
      const ids = guardIds(key, tags);
      const reply = await this.#stampScript(
        ids.map((id) => this.#guardKey(id)),
        [this.#ttl.maxTtlMs, ...ids.map(newToken)],
      );
      if (!Array.isArray(reply) || !reply.every((t) => typeof t === 'string'))
        throw new CacheBackendError('reply', 'stamp', 'unexpected script reply');
      return { key, tags: [...tags], tokens: reply };
    });
  }

  async set(key: string, value: JsonValue, options: SetOptions = {}): Promise<boolean> {
    // Usage errors are thrown as they are, before any I/O, never dressed as backend failures.
    const tags = options.tags ?? options.stamp?.tags ?? [];
    const stamp = options.stamp;
    if (stamp) checkStamp(key, tags, stamp);
    const ttlMs = effectiveTtl(this.#ttl, options.ttlMs);
    const json = encodeValue(value);
    const ids = guardIds(key, tags);
    const reply = await this.#run('set', () =>
      this.#setScript(
        [this.#entryKey(key), ...ids.map((id) => this.#guardKey(id))],
        [
          json,
          ttlMs,
          this.#ttl.maxTtlMs,
          stamp ? 'stamped' : 'current',
          ...ids.flatMap((id, i) => [id, stamp ? (stamp.tokens[i] ?? '') : newToken()]),
        ],
      ),
    );
    return reply === 1;
  }

  delete(keys: readonly string[]): Promise<void> {
    return this.#run('delete', async () => {
      if (keys.length === 0) return;
      const pipeline = this.#client.pipeline();
      for (const key of keys) {
        // New token first: a stamped write in flight for this key is refused from here on.
        pipeline.set(this.#guardKey(keyGuardId(key)), newToken(), 'KEEPTTL', 'XX');
        pipeline.del(this.#entryKey(key));
      }
      await this.#exec('delete', pipeline);
    });
  }

  invalidateTags(tags: readonly string[]): Promise<void> {
    return this.#run('invalidateTags', async () => {
      const ids = tagGuardIds(tags);
      if (ids.length === 0) return;
      const pipeline = this.#client.pipeline();
      // XX: an absent guard protects nothing (valid entries and pending stamps need it present),
      // so invalidating a tag nobody cached writes nothing — the common case for event-driven
      // invalidation of entities that were never read.
      for (const id of ids) pipeline.set(this.#guardKey(id), newToken(), 'KEEPTTL', 'XX');
      await this.#exec('invalidateTags', pipeline);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#ownsClient) return;
    try {
      await withDeadline('close', this.#timeoutMs, () => this.#client.quit());
    } catch {
      this.#client.disconnect();
    }
  }

  async #readMany(keys: readonly string[]): Promise<(JsonValue | undefined)[]> {
    if (keys.length === 0) return [];
    const entries = (await this.#client.mget(...keys.map((k) => this.#entryKey(k)))).map(
      parseEntry,
    );
    // Entries first, guards second: an invalidation between the two reads makes the entry a miss
    // (its token no longer matches), so a read that starts after an invalidation never sees a
    // value stamped before it, whatever the interleaving.
    const ids = [...new Set(entries.flatMap((e) => (e ? e.guards.map(([id]) => id) : [])))];
    const tokens =
      ids.length > 0 ? await this.#client.mget(...ids.map((id) => this.#guardKey(id))) : [];
    const current = new Map(ids.map((id, i) => [id, tokens[i] ?? null]));
    return entries.map((entry) =>
      entry?.guards.every(([id, token]) => current.get(id) === token)
        ? parseValue(entry.json)
        : undefined,
    );
  }

  async #exec(operation: string, pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
    const results = await pipeline.exec();
    if (!results)
      throw new CacheBackendError('unavailable', operation, 'the pipeline was discarded');
    for (const [error] of results) if (error) throw toBackendError(operation, error);
  }

  #run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed)
      return Promise.reject(new CacheBackendError('unavailable', operation, 'the cache is closed'));
    return withDeadline(operation, this.#timeoutMs, work);
  }

  #entryKey(key: string): string {
    return `${this.#prefix}:e:${key}`;
  }

  #guardKey(id: string): string {
    return `${this.#prefix}:v:${id}`;
  }
}
