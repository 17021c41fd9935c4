// Readiness: can this instance serve traffic right now? Every dependency is probed in parallel,
// each bounded by its own timeout, so one hung dependency cannot hang the probe itself.

/** A dependency probe. Kafka, Redis, the event store… each provide one. */
export interface HealthCheck {
  readonly name: string;
  /** Overrides the default timeout for this dependency. */
  readonly timeoutMs?: number;
  /** Resolves when the dependency is usable; rejects (or outlives its timeout) when it is not. */
  check(signal: AbortSignal): Promise<unknown>;
}

export interface CheckResult {
  readonly status: 'up' | 'down';
  readonly latencyMs: number;
  readonly error?: string;
}

export interface ReadinessReport {
  readonly status: 'ready' | 'unready';
  /** Set while the service shuts down, so load balancers stop routing to it. */
  readonly reason?: 'shutting-down';
  readonly checks: Readonly<Record<string, CheckResult>>;
}

export class CheckTimeoutError extends Error {
  override readonly name = 'CheckTimeoutError';
}

async function runCheck(check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  const controller = new AbortController();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new CheckTimeoutError(`timed out after ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    await Promise.race([check.check(controller.signal), timeout]);
    return { status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      status: 'down',
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

export class Readiness {
  readonly #checks = new Map<string, HealthCheck>();
  readonly #timeoutMs: number;
  #shuttingDown = false;

  constructor(options: { timeoutMs?: number } = {}) {
    this.#timeoutMs = options.timeoutMs ?? 2_000;
  }

  register(check: HealthCheck): this {
    if (this.#checks.has(check.name))
      throw new Error(`health check "${check.name}" is already registered`);
    this.#checks.set(check.name, check);
    return this;
  }

  markShuttingDown(): void {
    this.#shuttingDown = true;
  }

  async report(): Promise<ReadinessReport> {
    if (this.#shuttingDown) return { status: 'unready', reason: 'shutting-down', checks: {} };
    const results = await Promise.all(
      [...this.#checks.values()].map(
        async (c) => [c.name, await runCheck(c, c.timeoutMs ?? this.#timeoutMs)] as const,
      ),
    );
    return {
      status: results.every(([, r]) => r.status === 'up') ? 'ready' : 'unready',
      checks: Object.fromEntries(results),
    };
  }
}

/** What `postgresCheck` needs: a `pg` Pool or Client. */
export interface Queryable {
  query(text: string): Promise<unknown>;
}

/**
 * `SELECT 1` through the service's own pool, so it also proves the pool can hand out connections.
 * Give the pool a `connectionTimeoutMillis` and an `error` listener: idle clients emit errors
 * when the server goes away.
 */
export function postgresCheck(
  pool: Queryable,
  options: { name?: string; timeoutMs?: number } = {},
): HealthCheck {
  return {
    name: options.name ?? 'postgres',
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    async check() {
      await pool.query('SELECT 1');
    },
  };
}
