import { readFileSync } from 'node:fs';
import path from 'node:path';
import { authenticate, requirePrincipal, type TokenVerifier } from '@maison/auth';
import { NOTE_VISIBILITIES } from '@maison/event-contracts';
import { NotFoundError, parseInput } from '@maison/service-kit';
import type { Express, Request } from 'express';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ProfilesApp } from '../application.js';

/** OpenAPI 3.1 of this API: `services/profiles/openapi.yaml`, also served as JSON and YAML. */
export const OPENAPI_PATH = path.join(import.meta.dirname, '..', '..', 'openapi.yaml');

const int = (min: number, max: number, fallback: number) =>
  z.preprocess((v) => (v === undefined ? fallback : Number(v)), z.number().int().min(min).max(max));

const listQuery = z.strictObject({
  first: int(1, 100, 20),
  after: z.string().min(1).max(400).optional(),
  search: z.string().min(1).max(200).optional(),
});
const searchQuery = listQuery.extend({ q: z.string().min(1).max(200) }).omit({ search: true });
const windowQuery = (days: number) =>
  z.strictObject({ days: int(1, 3660, days), first: int(1, 500, 100) });
const occasionsQuery = z.strictObject({ days: int(1, 366, 7), first: int(1, 500, 100) });

const patchBody = z.strictObject({ fields: z.record(z.string().min(1).max(100), z.unknown()) });
const noteBody = z.strictObject({
  text: z.string().min(1).max(4000),
  visibility: z.enum(NOTE_VISIBILITIES),
  storeId: z.string().min(1).max(100).optional(),
});
const roles = z.enum(['primary', 'secondary']);
const assignBody = z.strictObject({
  associateId: z.string().min(1).max(200),
  storeId: z.string().min(1).max(100),
  role: roles.default('primary'),
  reason: z.string().min(1).max(300).optional(),
});
const storeBody = z.strictObject({ storeId: z.string().min(1).max(100) });
const reasonQuery = z.strictObject({ reason: z.string().min(1).max(300).optional() });
const reassignBody = z.strictObject({
  fromAssociateId: z.string().min(1).max(200),
  toAssociateId: z.string().min(1).max(200),
  toStoreId: z.string().min(1).max(100),
  roles: z.array(roles).min(1).max(2).default(['primary', 'secondary']),
  reason: z.string().min(1).max(300),
});
const notesQuery = z.strictObject({ visibility: z.enum(NOTE_VISIBILITIES).optional() });

const param = (req: Request, name: string): string => String(req.params[name]);

export function restRoutes(app: ProfilesApp, verifier: TokenVerifier): (express: Express) => void {
  const spec = readFileSync(OPENAPI_PATH, 'utf8');
  const specJson = JSON.stringify(parseYaml(spec) as unknown);
  return (express) => {
    // Every route checks the caller: the API description included (any valid token).
    express.use('/v1', authenticate({ verifier }));
    const principal = (req: Request) => requirePrincipal(req.principal);

    express.get('/v1/openapi.json', (_req, res) => {
      res.type('application/json').send(specJson);
    });
    express.get('/v1/openapi.yaml', (_req, res) => {
      res.type('application/yaml').send(spec);
    });

    express.get('/v1/clients/:clientId/profile', async (req, res) => {
      const view = await app.profile(principal(req), param(req, 'clientId'));
      if (view === undefined) throw new NotFoundError('Profiles has no data about this client.');
      res.json(view);
    });
    express.patch('/v1/clients/:clientId/profile', async (req, res) => {
      const body = parseInput(patchBody, req.body);
      const writes = Object.entries(body.fields).map(([field, value]) => ({ field, value }));
      res.json(await app.updateProfile(principal(req), param(req, 'clientId'), writes, req.id));
    });

    express.get('/v1/clients/:clientId/notes', async (req, res) => {
      const q = parseInput(notesQuery, req.query);
      res.json({ notes: await app.notes(principal(req), param(req, 'clientId'), q.visibility) });
    });
    express.post('/v1/clients/:clientId/notes', async (req, res) => {
      const body = parseInput(noteBody, req.body);
      res.status(201).json(await app.addNote(principal(req), param(req, 'clientId'), body, req.id));
    });

    express.get('/v1/clients/:clientId/client-book', async (req, res) => {
      const p = principal(req);
      const book = await app.clientBook(p, param(req, 'clientId'));
      if (book === undefined) throw new NotFoundError('Profiles has no data about this client.');
      res.json(book);
    });
    express.get('/v1/clients/:clientId/client-book/history', async (req, res) => {
      const q = parseInput(z.strictObject({ first: int(1, 500, 50) }), req.query);
      res.json({ history: await app.bookHistory(principal(req), param(req, 'clientId'), q.first) });
    });
    express.post('/v1/clients/:clientId/client-book/assignments', async (req, res) => {
      const body = parseInput(assignBody, req.body);
      res.json(await app.assign(principal(req), param(req, 'clientId'), body, req.id));
    });
    express.delete(
      '/v1/clients/:clientId/client-book/assignments/:associateId',
      async (req, res) => {
        const q = parseInput(reasonQuery, req.query);
        res.json(
          await app.unassign(
            principal(req),
            param(req, 'clientId'),
            param(req, 'associateId'),
            q.reason ?? 'unassigned',
            req.id,
          ),
        );
      },
    );
    express.post('/v1/clients/:clientId/client-book/stores', async (req, res) => {
      const body = parseInput(storeBody, req.body);
      res.json(
        await app.addBookStore(principal(req), param(req, 'clientId'), body.storeId, req.id),
      );
    });
    express.delete('/v1/clients/:clientId/client-book/stores/:storeId', async (req, res) => {
      const q = parseInput(reasonQuery, req.query);
      res.json(
        await app.removeBookStore(
          principal(req),
          param(req, 'clientId'),
          param(req, 'storeId'),
          q.reason ?? 'removed',
          req.id,
        ),
      );
    });

    express.post('/v1/client-book/reassignments', async (req, res) => {
      const body = parseInput(reassignBody, req.body);
      const job = await app.requestReassignment(principal(req), body, req.id);
      res.status(202).location(`/v1/client-book/reassignments/${job.id}`).json(job);
    });
    express.get('/v1/client-book/reassignments/:id', async (req, res) => {
      const job = await app.reassignment(principal(req), param(req, 'id'));
      if (job === undefined) throw new NotFoundError('No such reassignment.');
      res.json(job);
    });

    const page = (p: Awaited<ReturnType<ProfilesApp['myClients']>>) => ({
      clients: p.edges.map((e) => ({
        clientId: e.node.id,
        displayName: e.node.row.display_name,
        cursor: e.cursor,
      })),
      pageInfo: p.pageInfo,
    });
    express.get('/v1/clienteling/my-clients', async (req, res) => {
      const q = parseInput(listQuery, req.query);
      res.json(page(await app.myClients(principal(req), q)));
    });
    express.get('/v1/clienteling/search', async (req, res) => {
      const q = parseInput(searchQuery, req.query);
      res.json(
        page(
          await app.searchClients(principal(req), { search: q.q, first: q.first, after: q.after }),
        ),
      );
    });
    express.get('/v1/clienteling/occasions', async (req, res) => {
      const q = parseInput(occasionsQuery, req.query);
      res.json({ occasions: await app.upcomingOccasions(principal(req), q.days, q.first) });
    });
    express.get('/v1/clienteling/lapsed', async (req, res) => {
      const q = parseInput(windowQuery(180), req.query);
      res.json({ clients: await app.lapsedClients(principal(req), q.days, q.first) });
    });
    express.get('/v1/clienteling/visiting', async (req, res) => {
      const q = parseInput(windowQuery(30), req.query);
      res.json({ clients: await app.visitingClients(principal(req), q.days, q.first) });
    });

    express.post('/v1/ingest/profiles', async (req, res) => {
      res.status(202).json(await app.ingest(principal(req), req.body));
    });
  };
}
