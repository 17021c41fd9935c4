import type { JsonValue } from './json.js';

/**
 * Proof of what the cache's invalidation state was when a value started being computed. Take it
 * with `cache.stamp(key, tags)` BEFORE reading the source of truth and hand it to `set`: if the key
 * was deleted or one of the tags invalidated in between, the write is refused, so a value computed
 * before an invalidation can never be cached after it. Opaque: only the cache that issued it
 * understands it.
 */
export interface CacheStamp {
  readonly key: string;
  readonly tags: readonly string[];
  /** One token per guard (the key itself, then each tag), in that order. */
  readonly tokens: readonly string[];
}

export interface SetOptions {
  /** Time to live; defaults to the cache's `defaultTtlMs` and is capped at its `maxTtlMs`. */
  readonly ttlMs?: number;
  /** Invalidation handles, e.g. `client:<id>`; `invalidateTags` drops every entry carrying one. */
  readonly tags?: readonly string[];
  /**
   * From `stamp(key, tags)`, taken before the value was computed. Without it the value is taken
   * to be current as of this call — only right for values that cannot predate an invalidation
   * (e.g. written by the very handler that applied the change).
   */
  readonly stamp?: CacheStamp;
}

/**
 * A shared, bounded-lifetime cache of JSON values with tag-based invalidation.
 *
 * Guarantee: once `invalidateTags([t])` (or `delete([k])`) has resolved, no `get` that starts
 * afterwards returns a value that was stamped before it — including values whose `set` lands
 * after the invalidation. Entries always expire: every TTL is capped by the cache's `maxTtlMs`.
 */
export interface Cache {
  /** The value, or `undefined` on a miss (absent, expired, deleted or invalidated). */
  get(key: string): Promise<JsonValue | undefined>;
  /** One result per key, in order; `undefined` for each miss. Duplicates are allowed. */
  getMany(keys: readonly string[]): Promise<(JsonValue | undefined)[]>;
  /** Captures the current invalidation state of `key` and `tags`; see `CacheStamp`. */
  stamp(key: string, tags?: readonly string[]): Promise<CacheStamp>;
  /**
   * Stores `value` (a copy: later mutations of the object do not reach the cache). Resolves
   * `false` when the write was refused because its stamp is outdated.
   */
  set(key: string, value: JsonValue, options?: SetOptions): Promise<boolean>;
  /** Drops the keys, and refuses pending stamped writes to them. */
  delete(keys: readonly string[]): Promise<void>;
  /** Drops every entry written with any of the tags, and refuses pending stamped writes. */
  invalidateTags(tags: readonly string[]): Promise<void>;
  /** Releases resources; later calls reject with `CacheBackendError` (`unavailable`). */
  close(): Promise<void>;
}

/** TTL bounds shared by every adapter. */
export interface CacheTtlOptions {
  /** TTL of a `set` without `ttlMs`. Default 5 minutes. */
  readonly defaultTtlMs?: number;
  /** Upper bound of every TTL: longer requests are capped, so nothing lives forever. Default 1 hour. */
  readonly maxTtlMs?: number;
}

export const DEFAULT_TTL_MS = 5 * 60_000;
export const DEFAULT_MAX_TTL_MS = 60 * 60_000;

export interface TtlPolicy {
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`${name} must be a positive integer of milliseconds, got ${value}`);
}

export function ttlPolicy(options: CacheTtlOptions): TtlPolicy {
  const maxTtlMs = options.maxTtlMs ?? DEFAULT_MAX_TTL_MS;
  const defaultTtlMs = Math.min(options.defaultTtlMs ?? DEFAULT_TTL_MS, maxTtlMs);
  assertPositiveInteger('maxTtlMs', maxTtlMs);
  assertPositiveInteger('defaultTtlMs', defaultTtlMs);
  return { defaultTtlMs, maxTtlMs };
}

/** The TTL a write gets: the default when absent, capped at the maximum, never zero or negative. */
export function effectiveTtl(policy: TtlPolicy, ttlMs: number | undefined): number {
  if (ttlMs === undefined) return policy.defaultTtlMs;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  return Math.min(Math.ceil(ttlMs), policy.maxTtlMs);
}

/**
 * Guards are what a stamp pins: the key itself (so `delete` also refuses pending writes) and each
 * tag. Distinct namespaces, so a tag named like a key never collides with it; tags are deduplicated
 * and sorted, so their order in a call does not matter.
 */
export function guardIds(key: string, tags: readonly string[]): string[] {
  return [keyGuardId(key), ...tagGuardIds(tags)];
}

export function keyGuardId(key: string): string {
  return `k:${key}`;
}

export function tagGuardIds(tags: readonly string[]): string[] {
  return [...new Set(tags)].sort().map((tag) => `t:${tag}`);
}

/** The stamp `set` was given must describe the same key and tags as the write itself. */
export function checkStamp(key: string, tags: readonly string[], stamp: CacheStamp): void {
  const expected = guardIds(key, tags);
  const actual = guardIds(stamp.key, stamp.tags);
  const same =
    expected.length === actual.length &&
    stamp.tokens.length === actual.length &&
    expected.every((id, i) => id === actual[i]);
  if (!same)
    throw new TypeError(
      `the stamp was taken for key ${JSON.stringify(stamp.key)} with tags ${JSON.stringify(stamp.tags)}, not for this write`,
    );
}

/** Serialises a value, rejecting what JSON cannot carry faithfully. */
export function encodeValue(value: JsonValue): string {
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v))
      throw new TypeError(`cannot cache a non-finite number (${v})`);
    return v;
  }) as string | undefined;
  // JSON.stringify returns undefined for undefined and functions; the type forbids them, but a
  // caller's cast should fail loudly here rather than cache something unreadable.
  if (json === undefined) throw new TypeError('cannot cache a value that is not JSON');
  return json;
}
