import { existsSync } from 'node:fs';
import path from 'node:path';
import { TOPICS } from '@maison/event-contracts';
import { KafkaBroker } from '@maison/messaging';
import { postgresDatabase } from '@maison/sql';
import { loadOrCreateSecrets } from '../keys.js';
import { resolveEndpoints } from './endpoints.js';
import {
  INFRA_SERVICES,
  launcherOptions,
  portsOf,
  processEnv,
  urlsOf,
  withDatabase,
  type InfraProcessName,
  type InfraSettings,
  type LauncherOptions,
} from './infra-env.js';
import { describeExit, formatLine, ManagedProcess, PARENT_WATCH } from './supervisor.js';

export interface InfraPlatformOptions {
  readonly repoRoot: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where the launcher's own messages and the children's lines go. */
  readonly write: (text: string) => void;
  readonly colours?: boolean;
}

type ProcessName = InfraProcessName | 'auth';

/** How long a process may take to answer `/readyz`, and to stop after SIGTERM. */
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 25_000;

/**
 * The platform as separate processes. `start()` prepares the database and the topics, then starts
 * the token issuer, the five services (in parallel) and the gateway, each once the previous step
 * is ready; `stop()` — at any moment, start-up included — stops the gateway, then the services,
 * then the issuer, and resolves 0 when every process exited cleanly.
 */
export class InfraPlatform {
  readonly options: LauncherOptions;
  readonly settings: InfraSettings;
  readonly urls: ReturnType<typeof urlsOf>;
  /** True when the development keys were created by this start. */
  readonly createdKeys: boolean;
  /** Resolves with a message when a process exits on its own after it was started. */
  readonly failed: Promise<string>;
  readonly #root: string;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #write: (text: string) => void;
  readonly #colours: boolean;
  readonly #json: boolean;
  readonly #run: 'source' | 'dist';
  readonly #processes = new Map<ProcessName, ManagedProcess>();
  readonly #cancel = new AbortController();
  #stopping: Promise<number> | undefined;
  #fail: (message: string) => void = () => undefined;

  constructor(options: InfraPlatformOptions) {
    this.#root = options.repoRoot;
    this.#env = options.env;
    this.#write = options.write;
    this.#colours = options.colours ?? false;
    this.#json = options.env.MAISON_INFRA_LOGS === 'json';
    this.#run = options.env.MAISON_INFRA_RUN === 'dist' ? 'dist' : 'source';
    this.options = launcherOptions(options.env, path.join(options.repoRoot, '.data', 'infra'));
    const endpoints = resolveEndpoints(options.env, options.repoRoot);
    this.createdKeys = !existsSync(path.join(this.options.dataDir, 'secrets.json'));
    const secrets = loadOrCreateSecrets(this.options.dataDir);
    this.settings = {
      endpoints,
      database: this.options.database,
      topicPrefix: this.options.topicPrefix,
      region: this.options.region,
      host: this.options.host,
      port: this.options.port,
      logLevel: this.options.logLevel,
      secrets,
    };
    this.urls = urlsOf(this.settings);
    this.failed = new Promise((resolve) => {
      this.#fail = resolve;
    });
  }

  get processes(): ReadonlyMap<ProcessName, ManagedProcess> {
    return this.#processes;
  }

  async start(): Promise<void> {
    const say = (text: string) => {
      this.#write(`Maison (infra): ${text}\n`);
    };
    say(
      `PostgreSQL database "${this.settings.database}", Kafka ${this.settings.endpoints.kafkaBrokers.join(',')}` +
        `${this.settings.topicPrefix === '' ? '' : ` (topic prefix "${this.settings.topicPrefix}")`}, Redis; ` +
        `keys in ${path.relative(this.#root, this.options.dataDir) || this.options.dataDir}` +
        `${this.createdKeys ? ' (created)' : ''}.`,
    );
    await this.#prepareDatabase();
    await this.#prepareTopics();
    say('starting the development token issuer …');
    await this.#launch(['auth']);
    say(`starting ${INFRA_SERVICES.join(', ')} …`);
    await this.#launch(INFRA_SERVICES);
    say('starting the gateway …');
    await this.#launch(['gateway']);
  }

  /** Creates the platform's database on the server when it is missing. */
  async #prepareDatabase(): Promise<void> {
    const server = postgresDatabase(this.settings.endpoints.databaseUrl, { max: 1 });
    try {
      const rows = await server.query<{ exists: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists',
        [this.settings.database],
      );
      if (rows[0]?.exists !== true) {
        try {
          await server.query(`CREATE DATABASE "${this.settings.database}"`);
        } catch (error) {
          // Another launcher created it in the meantime (42P04 duplicate_database).
          if ((error as { code?: unknown }).code !== '42P04') throw error;
        }
      }
    } finally {
      await server.close();
    }
  }

  /** The topics every service uses, created once here rather than raced by six processes. */
  async #prepareTopics(): Promise<void> {
    const broker = new KafkaBroker({
      brokers: [...this.settings.endpoints.kafkaBrokers],
      clientId: 'maison-start-infra',
    });
    const admin = await broker.createAdmin();
    try {
      await admin.ensureTopics(Object.values(TOPICS), { namePrefix: this.settings.topicPrefix });
    } finally {
      await admin.close();
    }
  }

  #spec(name: ProcessName) {
    const ports = portsOf(this.settings.port);
    const host = this.urls.gateway.replace(/:\d+$/, '');
    const entry =
      name === 'auth'
        ? this.#run === 'dist'
          ? 'services/platform/dist/dev-issuer-main.js'
          : 'services/platform/src/dev-issuer-main.ts'
        : this.#run === 'dist'
          ? `services/${name}/dist/main.js`
          : `services/${name}/src/main.ts`;
    const loader = this.#run === 'dist' ? [] : ['--conditions=@maison/source', '--import', 'tsx'];
    const env =
      name === 'auth'
        ? {
            PORT: String(ports.issuer),
            HOST: this.settings.host,
            LOG_LEVEL: this.settings.logLevel,
            DEV_ISSUER_URL: this.urls.issuer,
            DEV_ISSUER_KEY_DIR: path.join(this.options.dataDir, 'auth'),
          }
        : processEnv(name, this.settings);
    return {
      name,
      cwd: this.#root,
      args: [
        '--disable-warning=TimeoutNegativeWarning',
        ...loader,
        '--import',
        PARENT_WATCH,
        path.join(this.#root, entry),
      ],
      env: { ...this.#env, ...env },
      readyUrl: `${name === 'auth' ? `${host}:${String(ports.issuer)}` : this.urls[name]}/readyz`,
    };
  }

  async #launch(names: readonly ProcessName[]): Promise<void> {
    if (this.#cancel.signal.aborted) throw new Error('start-up cancelled');
    const width = Math.max(...[...INFRA_SERVICES, 'gateway', 'auth'].map((n) => n.length));
    const started = names.map((name) => {
      const colour = this.#colours
        ? ['auth', ...INFRA_SERVICES, 'gateway'].indexOf(name)
        : undefined;
      const child = new ManagedProcess(this.#spec(name), (n, line) => {
        this.#write(`${formatLine(n, line, { width, colour, json: this.#json })}\n`);
      });
      this.#processes.set(name, child);
      void child.exited.then((exit) => {
        if (this.#stopping === undefined)
          this.#fail(`${name} exited unexpectedly (${describeExit(exit)})`);
      });
      return child;
    });
    await Promise.all(
      started.map((child) => child.waitReady(READY_TIMEOUT_MS, this.#cancel.signal)),
    );
  }

  /** Stops every process in order: the gateway, the five services together, the issuer. */
  stop(): Promise<number> {
    this.#stopping ??= (async () => {
      this.#cancel.abort();
      const stage = async (names: readonly ProcessName[]): Promise<boolean> => {
        const exits = await Promise.all(
          names.flatMap((name) => {
            const child = this.#processes.get(name);
            return child ? [child.stop(STOP_GRACE_MS).then((exit) => ({ name, exit }))] : [];
          }),
        );
        const unclean = exits.filter(({ exit }) => exit.code !== 0);
        for (const { name, exit } of unclean)
          this.#write(`Maison (infra): ${name} stopped with ${describeExit(exit)}\n`);
        return unclean.length === 0;
      };
      const gateway = await stage(['gateway']);
      const services = await stage(INFRA_SERVICES);
      const auth = await stage(['auth']);
      return gateway && services && auth ? 0 : 1;
    })();
    return this.#stopping;
  }

  /** SIGKILL to every process (a second Ctrl+C). */
  kill(): void {
    for (const child of this.#processes.values()) child.kill();
  }

  /** URLs, how to get a token, and a first query. */
  async banner(): Promise<string> {
    const token = await this.mintToken({ role: 'admin', subject: 'start-infra' }).catch(
      () => undefined,
    );
    const tokenCurl = `curl -s -X POST ${this.urls.issuer}/dev/token -H 'content-type: application/json' -d '{"role":"associate","associateId":"par-01-a1","storeIds":["PAR-01"]}'`;
    const query = JSON.stringify({
      query:
        'query($type: IdentityIdentifierType!, $value: String!) { clientByIdentifier(type: $type, value: $value) { id identifiers { type masked } tier { level } consents { purpose channel state } } }',
      variables: { type: 'EMAIL', value: 'someone@example.com' },
    });
    const lines = [
      '',
      'Maison is running on the local infrastructure, one process per service:',
      '',
      `  GraphQL (gateway)   ${this.urls.gateway}/graphql`,
      ...INFRA_SERVICES.map(
        (name) =>
          `  ${name.padEnd(18)}  ${this.urls[name]}  (REST /v1/…, OpenAPI /v1/openapi.yaml, subgraph /graphql)`,
      ),
      `  token issuer        ${this.urls.issuer}  (JWKS /.well-known/jwks.json)`,
      `  database            ${withDatabase(this.settings.endpoints.databaseUrl, this.settings.database).replace(/\/\/[^@/]*@/, '//')}`,
      '',
      'Get a development token (any role: associate, store_manager, regional_manager, compliance, integration, admin):',
      '',
      `  ${tokenCurl}`,
      '',
      'Query the gateway (an admin token, valid for an hour):',
      '',
      `  curl -s ${this.urls.gateway}/graphql -H 'content-type: application/json' \\`,
      `    -H 'authorization: Bearer ${token ?? '<token>'}' \\`,
      `    -d '${query}'`,
      '',
      'Stop with Ctrl+C (the gateway first, then the services).',
      '',
    ];
    return `${lines.join('\n')}\n`;
  }

  /** A token from the running issuer (`POST /auth/dev/token`). */
  async mintToken(request: Readonly<Record<string, unknown>>): Promise<string> {
    const res = await fetch(`${this.urls.issuer}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const body = (await res.json()) as { access_token?: string };
    if (res.status !== 200 || body.access_token === undefined)
      throw new Error(`the token issuer answered ${String(res.status)}`);
    return body.access_token;
  }
}
