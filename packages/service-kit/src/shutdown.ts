// Ordered graceful shutdown. The order matters: stop taking work before stopping the workers,
// stop the workers before closing the clients they use, and flush telemetry last so the
// shutdown itself is traced and logged.
import type { Server } from 'node:http';
import type { Logger } from 'pino';

export const SHUTDOWN_STAGES = ['http', 'consumers', 'clients', 'telemetry'] as const;
export type ShutdownStage = (typeof SHUTDOWN_STAGES)[number];

/** Aborted when the hook's time is up, so it can force what it was doing gracefully. */
export type ShutdownHook = (signal: AbortSignal) => Promise<unknown> | undefined;

export interface HookOutcome {
  readonly stage: ShutdownStage;
  // Not `name`: log redaction treats `name` as personal data.
  readonly hook: string;
  readonly status: 'ok' | 'failed' | 'timed-out';
  readonly durationMs: number;
  readonly error?: string;
}

export interface ShutdownResult {
  readonly exitCode: 0 | 1;
  readonly reason: string;
  readonly outcomes: readonly HookOutcome[];
}

export interface GracefulShutdownOptions {
  readonly logger: Logger;
  /** Budget for all stages together. */
  readonly deadlineMs?: number;
  /**
   * Least time granted to each stage, even once the deadline has passed: after a stuck HTTP
   * drain, clients should still be closed and telemetry flushed (the exit code is 1 anyway).
   * Capped at the deadline.
   */
  readonly stageGraceMs?: number;
}

class HookTimeoutError extends Error {
  override readonly name = 'HookTimeoutError';
}

export class GracefulShutdown {
  readonly #hooks = new Map<ShutdownStage, { name: string; hook: ShutdownHook }[]>();
  readonly #logger: Logger;
  readonly #deadlineMs: number;
  readonly #stageGraceMs: number;
  #running: Promise<ShutdownResult> | undefined;

  constructor(options: GracefulShutdownOptions) {
    this.#logger = options.logger;
    this.#deadlineMs = options.deadlineMs ?? 20_000;
    this.#stageGraceMs = Math.min(options.stageGraceMs ?? 1_000, this.#deadlineMs);
  }

  get started(): boolean {
    return this.#running !== undefined;
  }

  /** Registers a hook; hooks of one stage run in parallel, stages run in order. */
  on(stage: ShutdownStage, name: string, hook: ShutdownHook): this {
    if (this.#running)
      throw new Error(`cannot register shutdown hook "${name}": shutdown already started`);
    const hooks = this.#hooks.get(stage) ?? [];
    hooks.push({ name, hook });
    this.#hooks.set(stage, hooks);
    return this;
  }

  /** Runs the stages once; later calls return the same result. */
  run(reason: string): Promise<ShutdownResult> {
    this.#running ??= this.#run(reason);
    return this.#running;
  }

  async #run(reason: string): Promise<ShutdownResult> {
    const deadline = performance.now() + this.#deadlineMs;
    this.#logger.info({ reason, deadlineMs: this.#deadlineMs }, 'shutting down');
    const outcomes: HookOutcome[] = [];
    for (const stage of SHUTDOWN_STAGES) {
      const hooks = this.#hooks.get(stage) ?? [];
      if (hooks.length === 0) continue;
      const budget = Math.max(deadline - performance.now(), this.#stageGraceMs);
      outcomes.push(
        ...(await Promise.all(hooks.map((h) => runHook(stage, h.name, h.hook, budget)))),
      );
    }
    const clean = outcomes.every((o) => o.status === 'ok') && performance.now() <= deadline;
    const result: ShutdownResult = { exitCode: clean ? 0 : 1, reason, outcomes };
    if (clean) this.#logger.info({ outcomes }, 'shutdown complete');
    else this.#logger.error({ outcomes }, 'shutdown incomplete');
    return result;
  }
}

async function runHook(
  stage: ShutdownStage,
  name: string,
  hook: ShutdownHook,
  budgetMs: number,
): Promise<HookOutcome> {
  const controller = new AbortController();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new HookTimeoutError(`did not finish within ${Math.round(budgetMs)} ms`);
      controller.abort(error);
      reject(error);
    }, budgetMs);
  });
  const durationMs = () => Math.round(performance.now() - started);
  try {
    await Promise.race([Promise.resolve().then(() => hook(controller.signal)), timeout]);
    return { stage, hook: name, status: 'ok', durationMs: durationMs() };
  } catch (error) {
    return {
      stage,
      hook: name,
      status: error instanceof HookTimeoutError ? 'timed-out' : 'failed',
      durationMs: durationMs(),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stops accepting connections at once, lets in-flight requests finish, and closes keep-alive
 * connections as soon as they go idle. When the hook is aborted, remaining connections are cut.
 */
export function drainHttpServer(server: Server): ShutdownHook {
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      if (!server.listening) {
        resolve();
        return;
      }
      // A keep-alive socket becomes idle after its response; close it then, not at the deadline.
      const sweep = setInterval(() => {
        server.closeIdleConnections();
      }, 50);
      const cut = () => {
        server.closeAllConnections();
      };
      signal.addEventListener('abort', cut, { once: true });
      server.close((error) => {
        clearInterval(sweep);
        signal.removeEventListener('abort', cut);
        if (error) reject(error);
        else resolve();
      });
      server.closeIdleConnections();
    });
}

/**
 * Runs the shutdown on SIGTERM or SIGINT and exits with its exit code. A second signal while
 * shutting down is logged and otherwise ignored. Returns a function that removes the handlers.
 */
export function installSignalHandlers(
  shutdown: GracefulShutdown,
  options: {
    logger: Logger;
    exit?: (code: number) => void;
    signals?: readonly NodeJS.Signals[];
  },
): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const handler = (signal: NodeJS.Signals) => {
    if (shutdown.started) {
      options.logger.warn({ signal }, 'already shutting down');
      return;
    }
    void shutdown.run(`received ${signal}`).then((result) => {
      exit(result.exitCode);
    });
  };
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
