// `npm start`: the whole platform in one process on the embedded defaults, with demo data.
import path from 'node:path';
import { installSignalHandlers, GracefulShutdown } from '@maison/service-kit';
import { startPlatform } from './platform.js';
import { banner } from './banner.js';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const dataDir = path.resolve(process.env.MAISON_DATA_DIR ?? path.join(root, '.data'));
const port = Number(process.env.PORT ?? 4000);
const engine = process.env.GATEWAY_ENGINE === 'apollo' ? 'apollo' : 'hive';
const started = performance.now();

process.stdout.write(
  `Maison: starting every service and the gateway in one process (data in ${dataDir}) …\n`,
);
const platform = await startPlatform({
  dataDir,
  port,
  engine,
  logLevel: (process.env.LOG_LEVEL as 'info' | undefined) ?? 'warn',
  ...(process.env.MAISON_DEMO_CLIENTS
    ? { demoClients: Number(process.env.MAISON_DEMO_CLIENTS) }
    : {}),
  ...(process.env.MAISON_DEMO === 'off' ? { demo: false } : {}),
  onDemoProgress: (r) => {
    process.stdout.write(
      `  demo: ${String(r.clients)} clients, ${String(r.transactions)} transactions, ${String(r.consents)} consents, ${String(r.notes)} notes loaded (${(r.ms / 1000).toFixed(0)} s)\n`,
    );
  },
});
process.stdout.write(await banner(platform, Math.round(performance.now() - started)));
void platform.demoLoaded.then(
  (report) => {
    if (report)
      process.stdout.write(
        `Demo data complete: ${String(report.clients)} clients in ${(report.ms / 1000).toFixed(0)} s.\n`,
      );
  },
  (error: unknown) => {
    platform.embedded.logger.error({ err: error }, 'demo data load failed');
  },
);

const shutdown = new GracefulShutdown({ logger: platform.embedded.logger, deadlineMs: 20_000 });
shutdown.on('http', 'platform', () => platform.stop());
installSignalHandlers(shutdown, {
  logger: platform.embedded.logger,
  exit: (code) => {
    process.stdout.write(
      code === 0
        ? 'Maison stopped cleanly.\n'
        : `Maison stopped with errors (exit ${String(code)}).\n`,
    );
    process.exit(code);
  },
});
