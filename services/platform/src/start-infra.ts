// `npm run start:infra`: the five services and the gateway as separate processes — each its own
// standalone main (`runStandalone` / the gateway's `runService`) — against the real Kafka,
// PostgreSQL and Redis of `npm run infra:up`, with a development token issuer. Ctrl+C stops the
// gateway first, then the services, then the issuer, and exits 0 when all of them stopped cleanly.
import path from 'node:path';
import { InfraPlatform } from './infra/launcher.js';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const write = (text: string) => {
  process.stdout.write(text);
};

let platform: InfraPlatform;
try {
  platform = new InfraPlatform({
    repoRoot: root,
    env: process.env,
    colours: process.stdout.isTTY,
    write,
  });
} catch (error) {
  write(`Maison (infra): ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

let stopping: Promise<void> | undefined;
function stop(reason: string, code?: number): Promise<void> {
  stopping ??= (async () => {
    write(`\nMaison (infra): stopping (${reason}) — the gateway first, then the services …\n`);
    const clean = await platform.stop();
    write(
      clean === 0
        ? 'Maison (infra): every process stopped cleanly.\n'
        : 'Maison (infra): some processes did not stop cleanly (see above).\n',
    );
    process.exit(code ?? clean);
  })();
  return stopping;
}

let firstSignalAt = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    const now = Date.now();
    // A Ctrl+C under `npm run` can arrive twice (from the terminal and forwarded by npm): only
    // another one a moment later means "stop now".
    if (firstSignalAt !== 0 && now - firstSignalAt > 2_000) {
      write('Maison (infra): killing every process (second signal).\n');
      platform.kill();
      process.exit(1);
    }
    if (firstSignalAt === 0) firstSignalAt = now;
    void stop(`received ${signal}`);
  });
}

// A process that dies while the platform runs takes the others down with it: a half-running
// platform would only confuse.
void platform.failed.then((message) => {
  write(`\nMaison (infra): ${message}\n`);
  return stop('a process exited', 1);
});

try {
  await platform.start();
  write(await platform.banner());
} catch (error) {
  if (stopping === undefined) {
    write(
      `\nMaison (infra): start-up failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    await stop('start-up failed', 1);
  }
}
