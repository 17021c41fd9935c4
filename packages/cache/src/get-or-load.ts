import { CacheBackendError } from './cache.errors.js';
import type { Cache, CacheStamp } from './cache.port.js';
import type { JsonValue } from './json.js';

export interface GetOrLoadOptions<T extends JsonValue> {
  readonly ttlMs?: number;
  readonly tags?: readonly string[];
  /**
   * Checks a cached value before it is returned (it may have been written by another version of
   * the service); `undefined` turns it into a miss. Without it the cached value is trusted to
   * have the loader's type.
   */
  readonly decode?: (cached: JsonValue) => T | undefined;
  /**
   * Called when the cache backend fails (`CacheBackendError`); the value then comes from the
   * loader, uncached. Without it, backend failures reject the call.
   */
  readonly onCacheError?: (error: CacheBackendError) => void;
}

type Settled<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }) as const,
    (error: unknown) => ({ ok: false, error }) as const,
  );
}

/** One load in progress for one key in this process: stamp, then loader, then stamped set. */
interface Flight {
  readonly tags: readonly string[];
  /** Taken before the loader ran. */
  readonly stamp: Promise<Settled<CacheStamp>>;
  /** Rejects with the loader's error; cache failures are carried, for each caller to judge. */
  readonly outcome: Promise<{ readonly value: JsonValue; readonly cacheError?: unknown }>;
}

const flightsByCache = new WeakMap<Cache, Map<string, Flight>>();

/** How many successive flights a caller may find invalidated before it loads on its own. */
const MAX_JOINS = 3;

function flightsOf(cache: Cache): Map<string, Flight> {
  let flights = flightsByCache.get(cache);
  if (!flights) {
    flights = new Map();
    flightsByCache.set(cache, flights);
  }
  return flights;
}

function startFlight(
  cache: Cache,
  key: string,
  loader: () => Promise<JsonValue>,
  ttlMs: number | undefined,
  tags: readonly string[],
): Flight {
  // The stamp is taken BEFORE the loader reads the source: that ordering is what lets the cache
  // refuse the value if an invalidation lands while the loader runs.
  const stamp = settle(cache.stamp(key, tags));
  const outcome = (async () => {
    const stamped = await stamp;
    const value = await loader();
    if (!stamped.ok) return { value, cacheError: stamped.error };
    try {
      await cache.set(key, value, {
        tags,
        stamp: stamped.value,
        ...(ttlMs === undefined ? {} : { ttlMs }),
      });
      return { value };
    } catch (error) {
      return { value, cacheError: error };
    }
  })();
  return { tags, stamp, outcome };
}

/** A backend failure goes to `onCacheError` when given; anything else is thrown. */
function report(error: unknown, onCacheError: ((e: CacheBackendError) => void) | undefined): void {
  if (error instanceof CacheBackendError && onCacheError) onCacheError(error);
  else throw error;
}

function sameTokens(a: CacheStamp, b: CacheStamp): boolean {
  return a.tokens.length === b.tokens.length && a.tokens.every((t, i) => t === b.tokens[i]);
}

/**
 * Read-through: the cached value, or the loader's (then cached with `ttlMs` and `tags`).
 * Concurrent calls for one key in this process share one loader run (single flight), so an
 * expiring hot entry does not stampede the source. The first caller's `ttlMs` and `tags` apply.
 *
 * Never returns a value computed before an invalidation that completed before the call began:
 * the flight stamps before loading, so the cache refuses a result that an invalidation overtook;
 * and a caller joining a running flight stamps too, accepting the flight's value only when no
 * invalidation separates the two stamps — otherwise it loads again.
 */
export async function getOrLoad<T extends JsonValue>(
  cache: Cache,
  key: string,
  loader: () => Promise<T>,
  options: GetOrLoadOptions<T> = {},
): Promise<T> {
  const { decode, onCacheError } = options;
  try {
    const cached = await cache.get(key);
    if (cached !== undefined) {
      // Without decode, the caller vouches for what it stores under its own keys.
      const value = decode ? decode(cached) : (cached as T);
      if (value !== undefined) return value;
    }
  } catch (error) {
    report(error, onCacheError);
  }

  const flights = flightsOf(cache);
  for (let joins = 0; ; joins += 1) {
    const running = flights.get(key);
    if (!running) break;
    if (joins === MAX_JOINS) {
      // Invalidated under us again and again: load alone rather than wait for a quiet moment.
      const alone = startFlight(cache, key, loader, options.ttlMs, options.tags ?? []);
      return (await load(alone, onCacheError)) as T;
    }
    const [theirs, ours, outcome] = await Promise.all([
      running.stamp,
      settle(cache.stamp(key, running.tags)),
      running.outcome,
    ]);
    // Freshness cannot be proven without both stamps: the source is the safe answer.
    if (!theirs.ok) {
      report(theirs.error, onCacheError);
      return loader();
    }
    if (!ours.ok) {
      report(ours.error, onCacheError);
      return loader();
    }
    if (sameTokens(theirs.value, ours.value)) {
      if (outcome.cacheError !== undefined) report(outcome.cacheError, onCacheError);
      return outcome.value as T;
    }
    // An invalidation landed after the flight stamped: its value may predate it. Try again.
    if (flights.get(key) === running) flights.delete(key);
  }

  const flight = startFlight(cache, key, loader, options.ttlMs, options.tags ?? []);
  flights.set(key, flight);
  const forget = (): void => {
    if (flights.get(key) === flight) flights.delete(key);
  };
  void flight.outcome.then(forget, forget);
  return (await load(flight, onCacheError)) as T;
}

async function load(
  flight: Flight,
  onCacheError: ((e: CacheBackendError) => void) | undefined,
): Promise<JsonValue> {
  const outcome = await flight.outcome;
  if (outcome.cacheError !== undefined) report(outcome.cacheError, onCacheError);
  return outcome.value;
}
