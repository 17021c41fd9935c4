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

export interface InMemoryCacheOptions extends CacheTtlOptions {
  /** Bound on stored entries; the least recently written go first. Default 10 000. */
  readonly maxEntries?: number;
  /** Milliseconds since the epoch; injectable so tests can move time without sleeping. */
  readonly now?: () => number;
}

interface Entry {
  /** JSON text, not the object: callers get fresh copies, as they would from Redis. */
  readonly json: string;
  /** [guard id, token] pairs the value was stamped with. */
  readonly guards: readonly (readonly [string, string])[];
  readonly expiresAt: number;
}

interface Guard {
  readonly token: string;
  expiresAt: number;
}

/** How many writes between sweeps of expired entries and guards. */
const SWEEP_EVERY = 1_000;

/**
 * The cache for the embedded (one-process) mode, with the Redis adapter's semantics: entries are
 * validated on read against per-guard tokens, exactly as in Redis (see README, "Invalidation").
 * The interleavings it protects against are real here too: a loader awaits I/O, and an event
 * handler can invalidate in the meantime.
 */
export class InMemoryCache implements Cache {
  readonly #entries = new Map<string, Entry>();
  readonly #guards = new Map<string, Guard>();
  readonly #ttl: TtlPolicy;
  readonly #maxEntries: number;
  readonly #now: () => number;
  #nextToken = 0;
  #writes = 0;
  #closed = false;

  constructor(options: InMemoryCacheOptions = {}) {
    this.#ttl = ttlPolicy(options);
    this.#maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isSafeInteger(this.#maxEntries) || this.#maxEntries <= 0)
      throw new RangeError(`maxEntries must be a positive integer, got ${this.#maxEntries}`);
    this.#now = options.now ?? Date.now;
  }

  get(key: string): Promise<JsonValue | undefined> {
    return this.#run('get', () => this.#read(key));
  }

  getMany(keys: readonly string[]): Promise<(JsonValue | undefined)[]> {
    return this.#run('getMany', () => keys.map((key) => this.#read(key)));
  }

  stamp(key: string, tags: readonly string[] = []): Promise<CacheStamp> {
    return this.#run('stamp', () => ({
      key,
      tags: [...tags],
      tokens: guardIds(key, tags).map((id) => this.#currentOrNewToken(id)),
    }));
  }

  set(key: string, value: JsonValue, options: SetOptions = {}): Promise<boolean> {
    return this.#run('set', () => {
      const tags = options.tags ?? options.stamp?.tags ?? [];
      if (options.stamp) checkStamp(key, tags, options.stamp);
      const ttlMs = effectiveTtl(this.#ttl, options.ttlMs);
      const json = encodeValue(value);
      const ids = guardIds(key, tags);
      const stamp = options.stamp;
      if (stamp && !ids.every((id, i) => this.#liveGuard(id)?.token === stamp.tokens[i]))
        return false;
      const guards = ids.map((id) => [id, this.#currentOrNewToken(id)] as const);
      this.#entries.delete(key); // re-insert at the end: Map order is our write-recency order
      this.#entries.set(key, { json, guards, expiresAt: this.#now() + ttlMs });
      this.#afterWrite();
      return true;
    });
  }

  delete(keys: readonly string[]): Promise<void> {
    return this.#run('delete', () => {
      for (const key of keys) {
        this.#rotate(keyGuardId(key));
        this.#entries.delete(key);
      }
    });
  }

  invalidateTags(tags: readonly string[]): Promise<void> {
    return this.#run('invalidateTags', () => {
      for (const id of tagGuardIds(tags)) this.#rotate(id);
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
    this.#guards.clear();
    return Promise.resolve();
  }

  // Async like the Redis adapter, so callers cannot come to rely on synchronous effects.
  async #run<T>(operation: string, body: () => T): Promise<T> {
    await Promise.resolve();
    if (this.#closed) throw new CacheBackendError('unavailable', operation, 'the cache is closed');
    return body();
  }

  #read(key: string): JsonValue | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    const valid =
      entry.expiresAt > this.#now() &&
      entry.guards.every(([id, token]) => this.#liveGuard(id)?.token === token);
    if (!valid) {
      this.#entries.delete(key);
      return undefined;
    }
    return JSON.parse(entry.json) as JsonValue;
  }

  #liveGuard(id: string): Guard | undefined {
    const guard = this.#guards.get(id);
    if (!guard) return undefined;
    this.#guards.delete(id);
    if (guard.expiresAt <= this.#now()) return undefined;
    // Re-inserted on every use: Map order is then recency order, and the size bound drops the
    // guards nobody has used for longest.
    this.#guards.set(id, guard);
    return guard;
  }

  #currentOrNewToken(id: string): string {
    const live = this.#liveGuard(id);
    if (live) {
      // A guard must outlive the entries it protects (losing it early only costs misses).
      live.expiresAt = Math.max(live.expiresAt, this.#now() + this.#ttl.maxTtlMs);
      return live.token;
    }
    const token = this.#newToken();
    this.#guards.set(id, { token, expiresAt: this.#now() + this.#ttl.maxTtlMs });
    return token;
  }

  /**
   * A new token for an existing guard; an absent guard stays absent, because no valid entry or
   * pending stamp can refer to it (an entry needs its guard present with the same token).
   */
  #rotate(id: string): void {
    const live = this.#liveGuard(id);
    if (!live) return;
    this.#guards.delete(id);
    this.#guards.set(id, { token: this.#newToken(), expiresAt: live.expiresAt });
  }

  #newToken(): string {
    // Never reused: a token that comes back would revive the entries stamped with it.
    this.#nextToken += 1;
    return this.#nextToken.toString(36);
  }

  #afterWrite(): void {
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    // Guards: a few per entry; dropping the least recently used only turns entries into misses.
    while (this.#guards.size > this.#maxEntries * 4) {
      const oldest = this.#guards.keys().next();
      if (oldest.done) break;
      this.#guards.delete(oldest.value);
    }
    this.#writes += 1;
    if (this.#writes % SWEEP_EVERY === 0) this.#sweep();
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    for (const [id, guard] of this.#guards) if (guard.expiresAt <= now) this.#guards.delete(id);
  }
}
