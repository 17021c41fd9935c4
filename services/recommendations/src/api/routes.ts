import { readFileSync } from 'node:fs';
import { authenticate, requireRole, type TokenVerifier } from '@maison/auth';
import { UnauthorizedError } from '@maison/service-kit';
import express, { type Express, type Request } from 'express';
import { parse } from 'yaml';
import { parseRequest, type Recommender } from '../recommender.js';

const OPENAPI_URL = new URL('../../openapi.yaml', import.meta.url);

export interface RouteDeps {
  readonly verifier: TokenVerifier;
  readonly recommender: Recommender;
  readonly modelInfo: () => Promise<unknown>;
  readonly rebuild: () => Promise<unknown>;
  readonly loadCatalogue: (text: string, version: string | undefined) => Promise<unknown>;
  readonly clearCatalogue: () => Promise<void>;
}

function principalOf(req: Request) {
  // `authenticate` answered 401 already if there was no valid token.
  if (!req.principal) throw new UnauthorizedError('Authentication is required.');
  return req.principal;
}

function single(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/** REST: the same recommendations as the subgraph, plus the admin operations. */
export function routes(deps: RouteDeps): (app: Express) => void {
  const auth = authenticate({ verifier: deps.verifier });
  const openapiYaml = readFileSync(OPENAPI_URL, 'utf8');
  const openapiJson: unknown = parse(openapiYaml);
  return (app) => {
    app.get('/v1/openapi.yaml', (_req, res) => {
      res.type('application/yaml').send(openapiYaml);
    });
    app.get('/v1/openapi.json', (_req, res) => {
      res.json(openapiJson);
    });

    app.get('/v1/clients/:clientId/recommendations', auth, async (req, res) => {
      const principal = principalOf(req);
      const firstRaw = single(req.query.first);
      const first =
        firstRaw === undefined
          ? undefined
          : typeof firstRaw === 'string' && /^\d{1,4}$/.test(firstRaw)
            ? Number(firstRaw)
            : -1;
      const category = single(req.query.category);
      const request = parseRequest(req.params.clientId, {
        first,
        category: typeof category === 'string' || category === undefined ? category : 1,
      });
      const list = await deps.recommender.recommend(principal, request, { requestId: req.id });
      res.set('cache-control', 'no-store').json(list);
    });

    app.get('/v1/model', auth, async (req, res) => {
      requireRole(principalOf(req), 'admin', 'regional_manager', 'store_manager', 'associate');
      res.json(await deps.modelInfo());
    });

    app.post('/v1/model/rebuild', auth, async (req, res) => {
      requireRole(principalOf(req), 'admin');
      res.json(await deps.rebuild());
    });

    app.put(
      '/v1/catalogue',
      auth,
      express.text({ type: 'application/x-ndjson', limit: '64mb' }),
      async (req, res) => {
        requireRole(principalOf(req), 'admin');
        const body: unknown = req.body;
        const text = typeof body === 'string' ? body : JSON.stringify(body ?? null);
        const version = single(req.query.version);
        res.json(
          await deps.loadCatalogue(
            text,
            typeof version === 'string' ? version.slice(0, 100) : undefined,
          ),
        );
      },
    );

    app.delete('/v1/catalogue', auth, async (req, res) => {
      requireRole(principalOf(req), 'admin');
      await deps.clearCatalogue();
      res.status(204).end();
    });
  };
}
