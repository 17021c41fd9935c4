// The start-up sequence every service shares: telemetry → config → the service's own wiring →
// HTTP → signal handlers. A service's main.ts is a single `runService({...})` call.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { z } from 'zod';
import { createApp } from './app.js';
import {
  baseConfig,
  ConfigError,
  describeConfig,
  formatProblem,
  loadConfig,
  type Config,
  type ConfigShape,
} from './config.js';
import { Readiness } from './health.js';
import { createLogger, type Logger } from './logger.js';
import {
  drainHttpServer,
  GracefulShutdown,
  installSignalHandlers,
  type ShutdownResult,
} from './shutdown.js';
import { startTelemetry, type Telemetry, type TelemetryOptions } from './telemetry.js';

export type ServiceConfig<S extends ConfigShape> = Config<typeof baseConfig & S>;

/** What the service's `setup` gets to wire its adapters. */
export interface ServiceContext<S extends ConfigShape> {
  readonly config: ServiceConfig<S>;
  readonly logger: Logger;
  /** Register a `HealthCheck` per dependency; `/readyz` probes them. */
  readonly readiness: Readiness;
  /** Register hooks: `consumers` to stop and commit, `clients` to close pools and producers. */
  readonly shutdown: GracefulShutdown;
  readonly telemetry: Telemetry;
}

export interface ServiceSetup {
  /** Mounts the service's HTTP routes (see `createApp`). */
  readonly routes?: (app: Express) => void;
  readonly bodyLimit?: number | string;
  readonly bodyTypes?: readonly string[];
}

export interface ServiceOptions<S extends ConfigShape> {
  readonly name: string;
  readonly version?: string;
  /** The service's own settings; merged with `baseConfig` (PORT, HOST, LOG_LEVEL, …). */
  readonly config?: S;
  /** Source of the settings; `process.env` by default. Telemetry always reads `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly telemetry?: Omit<TelemetryOptions, 'serviceName' | 'serviceVersion'>;
  /** Creates clients, registers health checks and shutdown hooks, returns the routes. */
  readonly setup?: (context: ServiceContext<S>) => Promise<ServiceSetup> | ServiceSetup;
}

export interface RunningService<S extends ConfigShape> extends ServiceContext<S> {
  readonly server: Server;
  /** `http://127.0.0.1:<port>` when bound to all interfaces, for tests and logs. */
  readonly url: string;
  /** Runs the graceful shutdown (idempotent). */
  stop(reason?: string): Promise<ShutdownResult>;
}

function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => {
      if (error) reject(error);
      else resolve(server);
    });
  });
}

/**
 * Starts a service and returns a handle; does not install signal handlers or exit the process.
 * On a start-up failure it shuts down whatever was started, then rethrows.
 */
export async function startService<S extends ConfigShape = typeof baseConfig>(
  options: ServiceOptions<S>,
): Promise<RunningService<S>> {
  const env = options.env ?? process.env;
  // First, so the instrumentations are in place before any client or server exists.
  const telemetry = startTelemetry({
    ...options.telemetry,
    serviceName: options.name,
    ...(options.version === undefined ? {} : { serviceVersion: options.version }),
  });

  const shape = { ...baseConfig, ...options.config } as typeof baseConfig & S;
  let config: ServiceConfig<S>;
  try {
    config = loadConfig(shape, env);
  } catch (error) {
    await telemetry.shutdown();
    throw error;
  }

  // The base settings, typed (a service may override their schemas, e.g. another default PORT).
  const base = z.object(baseConfig).parse(config);
  const logger = createLogger({ service: options.name, level: base.LOG_LEVEL });
  const readiness = new Readiness({ timeoutMs: base.READINESS_TIMEOUT_MS });
  const shutdown = new GracefulShutdown({ logger, deadlineMs: base.SHUTDOWN_TIMEOUT_MS });
  shutdown.on('telemetry', 'opentelemetry', () => telemetry.shutdown());
  logger.info({ config: describeConfig(shape, config), version: options.version }, 'starting');

  const context: ServiceContext<S> = { config, logger, readiness, shutdown, telemetry };
  try {
    const setup = (await options.setup?.(context)) ?? {};
    const app = createApp({
      logger,
      readiness,
      ...(setup.routes ? { routes: setup.routes } : {}),
      ...(setup.bodyLimit === undefined ? {} : { bodyLimit: setup.bodyLimit }),
      ...(setup.bodyTypes ? { bodyTypes: setup.bodyTypes } : {}),
    });
    const server = await listen(app, base.PORT, base.HOST);
    shutdown.on('http', 'readiness', () => {
      readiness.markShuttingDown();
      return undefined;
    });
    shutdown.on('http', 'server', drainHttpServer(server));

    const { port } = server.address() as AddressInfo;
    const host = base.HOST === '0.0.0.0' || base.HOST === '::' ? '127.0.0.1' : base.HOST;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    logger.info({ port, host: base.HOST }, 'listening');
    return { ...context, server, url, stop: (reason = 'stop requested') => shutdown.run(reason) };
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await shutdown.run('start-up failed');
    throw error;
  }
}

/**
 * `startService` for a process entry point: shuts down gracefully on SIGTERM/SIGINT and exits
 * with 0 when that went cleanly, 1 otherwise. A start-up failure (an invalid config included)
 * is logged and exits with 1.
 */
export async function runService<S extends ConfigShape = typeof baseConfig>(
  options: ServiceOptions<S>,
): Promise<RunningService<S>> {
  try {
    const service = await startService(options);
    installSignalHandlers(service.shutdown, { logger: service.logger });
    return service;
  } catch (error) {
    // Other start-up failures were logged by startService with the service's logger.
    if (error instanceof ConfigError) {
      createLogger({ service: options.name }).fatal(
        { problems: error.problems.map(formatProblem) },
        error.message.split('\n', 1)[0],
      );
    }
    process.exit(1);
  }
}
