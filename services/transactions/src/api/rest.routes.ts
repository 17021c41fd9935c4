import { readFileSync } from 'node:fs';
import path from 'node:path';
import { authenticate, authorize, requirePermission, type TokenVerifier } from '@maison/auth';
import { TOPICS, type Region } from '@maison/event-contracts';
import type { MessageProducer } from '@maison/messaging';
import {
  NotFoundError,
  UnauthorizedError,
  ValidationError,
  type FieldError,
} from '@maison/service-kit';
import type { Express, Request, Response } from 'express';
import { parse as parseYaml } from 'yaml';
import { prepareRecord, type PrepareContext, type PreparedRecord } from '../ingest/prepare.js';
import { batchInput } from '../ingest/ingest-record.schema.js';
import type { ImportFormat, ImportService } from '../imports/import.service.js';
import type { ReadModel } from '../projections/read-model.js';
import { ingestHeaders } from './ingest.consumer.js';
import type { ShopifyWebhooks } from './shopify.routes.js';

export interface RestDeps {
  readonly verifier: TokenVerifier;
  readonly producer: MessageProducer;
  readonly topic: (spec: typeof TOPICS.ingestTransactions) => string;
  readonly prepare: PrepareContext;
  readonly batchLimit: number;
  readonly imports: ImportService;
  readonly readModel: ReadModel;
  readonly shopify: ShopifyWebhooks;
  readonly region: Region;
}

const OPENAPI_FILE = path.join(import.meta.dirname, '..', '..', 'openapi.yaml');

function accepted(r: PreparedRecord) {
  return {
    status: 'accepted',
    eventId: r.eventId,
    transactionId: r.transactionId,
    kind: r.kind === 'transaction' ? r.data.kind : 'cancellation',
    links: { transaction: `/v1/transactions/${r.transactionId}` },
  };
}

function invalid(status: 400 | 422, errors: readonly FieldError[]): never {
  throw new ValidationError(
    status === 400 ? 'The transaction is invalid.' : 'The transaction cannot be recorded.',
    errors,
    { status },
  );
}

/**
 * REST ingestion: every route validates with the one ingest schema and produces to
 * `ingest.transactions.v1` (key: the source transaction id), answering 202 with the event id. The
 * ingest consumer records it. Reads need `client:read` on the transaction's store or region.
 */
export function restRoutes(deps: RestDeps): (app: Express) => void {
  const topic = deps.topic(TOPICS.ingestTransactions);
  const auth = authenticate({ verifier: deps.verifier });
  const ingest = requirePermission('ingest:write');
  const produce = async (records: readonly PreparedRecord[], req: Request) => {
    const headers = ingestHeaders(`http:${req.id}`);
    for (let i = 0; i < records.length; i += 500)
      await deps.producer.send(
        topic,
        records
          .slice(i, i + 500)
          .map((r) => ({ key: r.key, value: JSON.stringify(r.input), headers })),
      );
  };
  return (app) => {
    app.post('/v1/transactions', auth, ingest, async (req: Request, res: Response) => {
      const result = prepareRecord(req.body, deps.prepare);
      if (!result.ok) invalid(result.status, result.errors);
      await produce([result.record], req);
      res
        .status(202)
        .location(`/v1/transactions/${result.record.transactionId}`)
        .json(accepted(result.record));
    });

    app.post(/^\/v1\/transactions:batch$/, auth, ingest, async (req: Request, res: Response) => {
      const body = batchInput(deps.batchLimit).safeParse(req.body);
      if (!body.success)
        invalid(
          400,
          body.error.issues.map((i) => ({
            pointer: `/${i.path.map(String).join('/')}`.replace(/\/$/, ''),
            detail: i.message,
          })),
        );
      const prepared: PreparedRecord[] = [];
      const errors: FieldError[] = [];
      let status: 400 | 422 = 422;
      body.data.records.forEach((record, i) => {
        const r = prepareRecord(record, deps.prepare, ['records', i]);
        if (r.ok) prepared.push(r.record);
        else {
          errors.push(...r.errors);
          if (r.status === 400) status = 400;
        }
      });
      // all or nothing: a batch is accepted whole, so a client retries it whole
      if (errors.length > 0) invalid(status, errors);
      await produce(prepared, req);
      res
        .status(202)
        .json({ status: 'accepted', count: prepared.length, results: prepared.map(accepted) });
    });

    app.get('/v1/transactions/:transactionId', auth, async (req: Request, res: Response) => {
      const principal = req.principal;
      if (!principal) throw new UnauthorizedError('Authentication is required.');
      const id = String(req.params.transactionId);
      const row = /^[0-9a-f-]{36}$/i.test(id) ? await deps.readModel.transaction(id) : undefined;
      if (!row) throw new NotFoundError('No such transaction (it may still be on its way).');
      authorize(principal, 'client:read', deps.readModel.transactionScope(row));
      res.json(deps.readModel.transactionView(row));
    });

    app.post('/v1/imports', auth, ingest, async (req: Request, res: Response) => {
      const format: ImportFormat | undefined = req.is('text/csv')
        ? 'csv'
        : req.is('application/x-ndjson')
          ? 'ndjson'
          : undefined;
      if (!format)
        throw new ValidationError('Imports are text/csv or application/x-ndjson.', [
          { pointer: '', detail: 'unsupported media type' },
        ]);
      const source = typeof req.query.sourceSystem === 'string' ? req.query.sourceSystem : null;
      if (source !== null && !/^[a-z0-9][a-z0-9._:-]{0,99}$/.test(source))
        throw new ValidationError('The source system is invalid.', [
          {
            pointer: '/sourceSystem',
            detail: 'must be lower-case letters, digits, ".", "_", ":" or "-"',
          },
        ]);
      const status = await deps.imports.create(
        req,
        format,
        source,
        req.principal?.subject ?? 'unknown',
      );
      res
        .status(202)
        .location(`/v1/imports/${status.importId}`)
        .json({ ...status, links: { self: `/v1/imports/${status.importId}` } });
    });

    app.get('/v1/imports/:importId', auth, ingest, async (req: Request, res: Response) => {
      const id = String(req.params.importId);
      const status = /^[0-9a-f-]{36}$/i.test(id) ? await deps.imports.status(id) : undefined;
      if (!status) throw new NotFoundError('No such import.');
      // pollers ask for none (?rejections=0); the first 1000 by default
      const wanted = Number(req.query.rejections ?? 1000);
      if (!Number.isInteger(wanted) || wanted < 0 || wanted > 1000)
        throw new ValidationError('The number of rejections to include is invalid.', [
          { pointer: '/rejections', detail: 'must be an integer from 0 to 1000' },
        ]);
      const rejections = wanted === 0 ? [] : await deps.imports.rejections(id, 0, wanted);
      res.json({ ...status, rejections, links: { rejections: `/v1/imports/${id}/rejections` } });
    });

    app.get(
      '/v1/imports/:importId/rejections',
      auth,
      ingest,
      async (req: Request, res: Response) => {
        const id = String(req.params.importId);
        const status = /^[0-9a-f-]{36}$/i.test(id) ? await deps.imports.status(id) : undefined;
        if (!status) throw new NotFoundError('No such import.');
        const after = Number(req.query.after ?? 0);
        const limit = Math.min(10_000, Math.max(1, Number(req.query.limit ?? 1000)));
        if (!Number.isInteger(after) || !Number.isInteger(limit))
          throw new ValidationError('Paging is by line number.', [
            { pointer: '/after', detail: 'must be an integer' },
          ]);
        const page = await deps.imports.rejections(id, after, limit);
        res.json({
          rejections: page,
          next: page.length === limit ? page[page.length - 1]?.line : null,
        });
      },
    );

    app.post('/v1/webhooks/shopify', (req: Request, res: Response) =>
      deps.shopify.handle(req, res),
    );

    let openapi: { yaml: string; json: unknown } | undefined;
    const doc = () => {
      if (!openapi) {
        const yaml = readFileSync(OPENAPI_FILE, 'utf8');
        openapi = { yaml, json: parseYaml(yaml) as unknown };
      }
      return openapi;
    };
    app.get('/v1/openapi.yaml', (_req, res) => {
      res.type('application/yaml').send(doc().yaml);
    });
    app.get('/v1/openapi.json', (_req, res) => {
      res.json(doc().json);
    });
  };
}
