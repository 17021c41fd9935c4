import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import httpTransport from '@graphql-mesh/transport-http';
import { CSRF_HEADERS } from '../edge/csrf.js';
import {
  LEAKY_HEADERS,
  NO_STORE,
  type Engine,
  type EngineOptions,
  type ForwardHeaders,
} from './engine.js';

// Hop-by-hop headers and the ones a re-serialised body invalidates.
const DROPPED_REQUEST_HEADERS = new Set([
  'connection',
  'content-length',
  'expect',
  'host',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
]);
const FORWARDED = new WeakMap<Request, ForwardHeaders>();

/** Hive Gateway (`@graphql-hive/gateway-runtime`, MIT): a fetch handler, served through express. */
export function createHiveEngine(options: EngineOptions): Promise<Engine> {
  const runtime = createGatewayRuntime({
    supergraph: options.supergraphSdl,
    // Hive Router's query planner (Rust, a native addon shipped in the npm package) and its
    // executor, instead of the JavaScript stitching runtime: ~2× less CPU per client view.
    ...(options.hiveRuntime === 'stitching' ? {} : { unifiedGraphHandler }),
    transports: { http: httpTransport },
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: false,
    logging: false,
    requestId: false,
    // The edge checked CSRF already; the same rule stays on inside Hive as a second line.
    csrfPrevention: { requestHeaders: [...CSRF_HEADERS] },
    ...(options.introspection ? {} : { disableIntrospection: { disableIf: () => true } }),
    ...(options.subgraphTimeoutMs === undefined
      ? {}
      : { upstreamTimeout: options.subgraphTimeoutMs }),
    // In-flight deduplication structuredClones every subgraph result to share it; for per-caller
    // client views (identical concurrent calls are rare) that costs more than it saves
    // (bench/client-view: ~30% of the gateway's CPU per request).
    transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } },
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({ ...FORWARDED.get(request) }),
    },
  });
  return Promise.resolve({
    name: 'hive',
    handler: async (req, res) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined || DROPPED_REQUEST_HEADERS.has(name)) continue;
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const method = req.method.toUpperCase();
      const hasBody = method !== 'GET' && method !== 'HEAD' && req.body !== undefined;
      const request = new Request(`http://gateway.internal${req.url}`, {
        method,
        headers,
        ...(hasBody ? { body: JSON.stringify(req.body) } : {}),
      });
      FORWARDED.set(request, (res.locals.forward ?? {}) as ForwardHeaders);
      const response = await runtime.fetch(request);
      res.status(response.status);
      response.headers.forEach((value, name) => {
        if (!(LEAKY_HEADERS as readonly string[]).includes(name) && name !== 'content-length')
          res.setHeader(name, value);
      });
      res.setHeader('cache-control', NO_STORE);
      res.end(Buffer.from(await response.arrayBuffer()));
    },
    stop: async () => {
      await runtime.dispose();
    },
  });
}
