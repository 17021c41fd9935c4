import type { Redis } from 'ioredis';
import { CacheBackendError } from './cache.errors.js';
import { toBackendError } from './redis.client.js';

/**
 * Structurally a service-kit `HealthCheck` (this package does not depend on service-kit), so
 * `readiness.register(redisHealthCheck(client))` type-checks where both are used.
 */
export interface RedisHealthCheck {
  readonly name: string;
  readonly timeoutMs?: number;
  check(signal: AbortSignal): Promise<unknown>;
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason
    : new CacheBackendError('timeout', 'ping', 'the readiness probe was aborted');
}

/**
 * Readiness of Redis: a PING through the service's own client (so it also proves that client is
 * connected). Settles as soon as the probe's signal aborts, even when Redis never answers.
 */
export function redisHealthCheck(
  client: Redis,
  options: { readonly name?: string; readonly timeoutMs?: number } = {},
): RedisHealthCheck {
  return {
    name: options.name ?? 'redis',
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    check(signal) {
      if (signal.aborted) return Promise.reject(abortReason(signal));
      return new Promise<string>((resolve, reject) => {
        const onAbort = (): void => {
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        client.ping().then(
          (reply) => {
            signal.removeEventListener('abort', onAbort);
            resolve(reply);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(toBackendError('ping', error));
          },
        );
      });
    },
  };
}
