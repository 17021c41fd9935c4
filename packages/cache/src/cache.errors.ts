/**
 * Why a backend call failed:
 * - `timeout`: no reply within the operation deadline (a hung or overloaded server);
 * - `unavailable`: no connection, or the cache / limiter was closed;
 * - `reply`: the server answered with an error.
 */
export type CacheBackendFailure = 'timeout' | 'unavailable' | 'reply';

/**
 * The cache or rate-limiter backend could not serve a call. Every adapter error surfaces as this
 * (never a raw ioredis error, never a hang), so callers can choose one policy: bypass the cache and
 * load from the source, fail a rate-limited request open or closed, retry an invalidation.
 */
export class CacheBackendError extends Error {
  override readonly name = 'CacheBackendError';
  readonly failure: CacheBackendFailure;
  /** The port method that failed (`get`, `invalidateTags`, `consume`…). */
  readonly operation: string;

  constructor(
    failure: CacheBackendFailure,
    operation: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${operation}: ${message}`, options);
    this.failure = failure;
    this.operation = operation;
  }
}
