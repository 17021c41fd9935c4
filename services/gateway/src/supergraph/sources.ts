import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SubgraphSource } from './compose.js';

/**
 * Where each service's subgraph listens by default (standalone and embedded): the URL the
 * committed supergraph records. Deployments override them (`GATEWAY_SUBGRAPH_URLS`,
 * `createGateway({ subgraphUrls })`). A service not listed here gets the next free port after them.
 */
export const DEFAULT_SUBGRAPH_PORTS: Readonly<Record<string, number>> = {
  identity: 4001,
  profiles: 4002,
  transactions: 4003,
  consent: 4004,
  recommendations: 4005,
};

export function defaultSubgraphUrl(name: string, index = 0): string {
  const port = DEFAULT_SUBGRAPH_PORTS[name] ?? 4100 + index;
  return `http://localhost:${String(port)}/graphql`;
}

/** Files a service's subgraph SDL may live in, in the order they are looked for. */
export const SDL_CANDIDATES = [
  'schema.graphql',
  'src/api/schema.graphql',
  'src/api/subgraph.graphql',
  'src/schema.graphql',
] as const;

/**
 * The subgraph SDL each service has committed: `services/<name>/schema.graphql` (or one of
 * `SDL_CANDIDATES`). Adding that file to a service is all it takes for the supergraph to include
 * it; the gateway itself is skipped. Services without a file are not subgraphs (yet).
 */
export function readServiceSubgraphs(
  servicesDir: string,
  options: { readonly exclude?: readonly string[] } = {},
): SubgraphSource[] {
  if (!existsSync(servicesDir)) return [];
  const exclude = new Set(['gateway', ...(options.exclude ?? [])]);
  const names = readdirSync(servicesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !exclude.has(d.name))
    .map((d) => d.name)
    .sort();
  const out: SubgraphSource[] = [];
  for (const [index, name] of names.entries()) {
    const file = SDL_CANDIDATES.map((c) => path.join(servicesDir, name, c)).find((f) =>
      existsSync(f),
    );
    if (file === undefined) continue;
    out.push({ name, url: defaultSubgraphUrl(name, index), sdl: readFileSync(file, 'utf8') });
  }
  return out;
}

const SDL_QUERY = '{ _service { sdl } }';

/**
 * A running subgraph's SDL through the federation `_service { sdl }` field (what the Apollo
 * tooling introspects). Headers (e.g. an Authorization) are passed through for subgraphs that
 * protect it.
 */
export async function fetchSubgraphSdl(
  name: string,
  url: string,
  options: {
    readonly headers?: Readonly<Record<string, string>>;
    readonly timeoutMs?: number;
  } = {},
): Promise<SubgraphSource> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...options.headers,
    },
    body: JSON.stringify({ query: SDL_QUERY }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
  });
  const body = (await res.json().catch(() => undefined)) as
    { data?: { _service?: { sdl?: unknown } }; errors?: { message?: unknown }[] } | undefined;
  const sdl = body?.data?._service?.sdl;
  if (!res.ok || typeof sdl !== 'string') {
    const why =
      body?.errors?.map((e) => String(e.message)).join('; ') ?? `HTTP ${String(res.status)}`;
    throw new Error(`Subgraph ${name} at ${url} did not return its SDL: ${why}`);
  }
  return { name, url, sdl };
}

/** The SDL of every running subgraph, fetched in parallel. */
export function fetchSubgraphs(
  urls: Readonly<Record<string, string>>,
  options: {
    readonly headers?: Readonly<Record<string, string>>;
    readonly timeoutMs?: number;
  } = {},
): Promise<SubgraphSource[]> {
  return Promise.all(
    Object.entries(urls).map(([name, url]) => fetchSubgraphSdl(name, url, options)),
  );
}
