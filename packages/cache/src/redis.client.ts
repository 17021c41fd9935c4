import { Redis } from 'ioredis';
import { CacheBackendError } from './cache.errors.js';

const noop = (): void => undefined;

export interface RedisClientOptions {
  /** A command without a reply by then fails instead of waiting. Default 1 000 ms. */
  readonly commandTimeoutMs?: number;
  /** Default 2 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Shown in `CLIENT LIST`, to tell services apart on a shared Redis. */
  readonly connectionName?: string;
  /**
   * Connection errors (ioredis emits them while it reconnects). Calls fail with
   * `CacheBackendError` regardless; this is for logging. Default: ignored.
   */
  readonly onError?: (error: Error) => void;
}

/**
 * An ioredis client configured so that no call can hang: every command has a timeout (also while
 * queued during a reconnect), and a command is retried at most once across reconnects.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  const settings = {
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    maxRetriesPerRequest: 1,
    // How long disconnect() waits for the socket to close before destroying it (ioredis default
    // 2 s, untyped). A socket whose connect failed never reports closing, so the full wait would
    // hold a shutting-down process whenever Redis is down.
    disconnectTimeout: 200,
    ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
  };
  const client = new Redis(url, settings);
  // Without a listener ioredis prints every reconnect failure to the console.
  client.on('error', options.onError ?? noop);
  return client;
}

const DEFAULT_OPERATION_TIMEOUT_MS = 2_000;

export function operationTimeout(value: number | undefined): number {
  const ms = value ?? DEFAULT_OPERATION_TIMEOUT_MS;
  if (!Number.isFinite(ms) || ms <= 0)
    throw new RangeError(`operationTimeoutMs must be positive, got ${ms}`);
  return ms;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Maps whatever ioredis threw onto the port's one error type. */
export function toBackendError(operation: string, error: unknown): CacheBackendError {
  if (error instanceof CacheBackendError) return error;
  const message = errorMessage(error);
  if (errorName(error) === 'ReplyError')
    return new CacheBackendError('reply', operation, message, { cause: error });
  if (/timed out/i.test(message))
    return new CacheBackendError('timeout', operation, message, { cause: error });
  return new CacheBackendError('unavailable', operation, message, { cause: error });
}

/**
 * Runs one port operation (possibly several round trips) under a deadline of our own, on top of
 * the client's command timeout: a client handed in by the caller may have none configured, and
 * the port promises a typed error, never a hang.
 */
export async function withDeadline<T>(
  operation: string,
  timeoutMs: number,
  work: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new CacheBackendError('timeout', operation, `no reply within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const running = work();
  try {
    return await Promise.race([running, deadline]);
  } catch (error) {
    throw toBackendError(operation, error);
  } finally {
    clearTimeout(timer);
    // The commands may still fail after the deadline won; that failure has been reported.
    running.catch(noop);
  }
}

/**
 * Registers a Lua script on the client (ioredis sends EVALSHA, falling back to EVAL on NOSCRIPT)
 * and returns a typed caller. Keys go in KEYS, so the client's keyPrefix applies to them.
 */
export function defineScript(
  client: Redis,
  name: string,
  lua: string,
): (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown> {
  client.defineCommand(name, { lua });
  // defineCommand adds the method at runtime; ioredis cannot type it without module augmentation,
  // which would leak into every package that imports ioredis.
  const commands = client as unknown as Record<
    string,
    (numKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown>
  >;
  return (keys, args) => {
    const command = commands[name];
    if (!command) throw new Error(`script ${name} is not defined on this client`);
    return command.call(client, keys.length, ...keys, ...args);
  };
}
