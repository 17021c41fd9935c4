import { readFileSync } from 'node:fs';
import { authenticate, authorize, requirePermission, type Principal } from '@maison/auth';
import {
  CONSENT_CHANNELS,
  PURPOSES,
  REGIONS,
  deterministicEventId,
  newEventId,
} from '@maison/event-contracts';
import {
  ForbiddenError,
  ApplicationError,
  parseInput,
  UnauthorizedError,
  ValidationError,
} from '@maison/service-kit';
import type { Express, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { ConsentApp } from '../application.js';
import { consentEvidenceInput, contactPointInput } from '../consent/evidence.js';
import { Ledger } from '../ledger/ledger.js';
import {
  SHOPIFY_TOPICS,
  mapShopifyWebhook,
  verifyShopifyHmac,
  type ShopifyTopic,
} from '../sources/shopify.js';
import { rawReference } from '../sources/ingest-record.js';
import type { ConsentQueries } from './queries.js';
import { tar } from '../dsar/tar.js';

export interface ShopConfig {
  readonly secret: string;
  /** The jurisdiction whose rules the shop's consents fall under (e.g. FR, US). */
  readonly jurisdiction: string;
  /** ISO country for national phone numbers. */
  readonly country?: string | undefined;
}

const text = (max: number) => z.string().trim().min(1).max(max);
const instant = z.iso.datetime({ offset: true });
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const decisionQuery = z.strictObject({
  purpose: z.enum(PURPOSES),
  channel: z.enum(CONSENT_CHANNELS).optional(),
  at: instant.optional(),
  destinationRegion: z.enum(REGIONS).optional(),
  recipient: text(200).optional(),
  context: z.enum(['client', 'device']).optional(),
  contractNecessity: z.union([z.boolean(), bool]).optional(),
  contactPoint: contactPointInput.optional(),
});

const clientConsentBody = consentEvidenceInput.extend({
  storeCountry: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
});
const ingestBody = z.strictObject({
  sourceSystem: text(100).regex(/^[a-z0-9][a-z0-9._-]*$/),
  sourceRecordId: text(200).optional(),
  clientId: text(200).optional(),
  customer: z.array(rawReference).min(1).max(10).optional(),
  storeCountry: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  consent: consentEvidenceInput,
});
const tcfBody = z.strictObject({
  sourceSystem: text(100).regex(/^[a-z0-9][a-z0-9._-]*$/),
  sourceRecordId: text(200),
  clientId: text(200).optional(),
  customer: z.array(rawReference).min(1).max(10).optional(),
  tcString: z.string().min(1).max(10_000),
  collectionPoint: text(200),
  jurisdiction: text(10).optional(),
});
const noticeBody = z.strictObject({
  noticeId: text(100).regex(/^[A-Za-z0-9._-]+$/),
  version: text(50),
  language: text(20),
  jurisdiction: text(10),
  title: text(300),
  text: z.string().min(1).max(200_000),
  publishedAt: instant,
});
const erasureBody = z.strictObject({
  clientId: text(200),
  ticket: text(200).nullable().optional(),
});

function principalOf(req: Request): Principal {
  if (req.principal === undefined) throw new UnauthorizedError('Authentication is required.');
  return req.principal;
}

/** An associate or store manager records at their own store only. */
export function checkCollectionStore(
  principal: Principal,
  storeId: string | null | undefined,
): void {
  if (storeId == null || !('storeIds' in principal)) return;
  if (!principal.storeIds.includes(storeId))
    throw new ForbiddenError('You can record consents collected at your own store(s) only.');
}

export function restRoutes(
  app: ConsentApp,
  queries: ConsentQueries,
  shops: Readonly<Record<string, ShopConfig>>,
): (express: Express) => void {
  const ctx = app.ctx;
  const auth = authenticate({ verifier: ctx.verifier });
  const openapi = readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8');
  const audit: RequestHandler[] = [auth, requirePermission('consent:audit')];
  const privacy: RequestHandler[] = [auth, requirePermission('privacy:requests')];
  const send = (res: Response, status: number, body: unknown) => {
    res.status(status).set('cache-control', 'no-store').json(body);
  };
  const region = (req: Request) => Ledger.region(String(req.params.region));
  const int = (v: unknown, name: string) =>
    parseInput(z.coerce.number().int().min(0), v, {
      message: `${name} must be a non-negative integer.`,
    });

  return (e) => {
    e.get('/v1/openapi.yaml', (_req, res) => {
      res.type('application/yaml').send(openapi);
    });

    // --- notice registry
    e.post('/v1/notices', ...audit, async (req, res) => {
      const body = parseInput(noticeBody, req.body);
      const { created, notice } = await app.publishNotice(body, principalOf(req).subject);
      send(res, created ? 201 : 200, notice);
    });
    e.get('/v1/notices', auth, async (_req, res) => {
      send(res, 200, { notices: await queries.notices() });
    });
    e.get('/v1/notices/:noticeId/versions/:version', auth, async (req, res) => {
      const language = parseInput(z.strictObject({ language: text(20) }), req.query).language;
      const notice = await app.notice(
        String(req.params.noticeId),
        String(req.params.version),
        language,
      );
      if (notice === undefined)
        throw new ValidationError(
          'No such notice version.',
          [{ pointer: '/version', detail: 'is not registered' }],
          { status: 422 },
        );
      send(res, 200, notice);
    });

    // --- recording
    e.post('/v1/consents', auth, requirePermission('ingest:write'), async (req, res) => {
      const body = parseInput(ingestBody, req.body);
      const principal = principalOf(req);
      const outcome = await app.record({
        ...(body.clientId ? { clientId: body.clientId } : {}),
        ...(body.customer ? { customer: body.customer } : {}),
        ...(body.storeCountry ? { storeCountry: body.storeCountry } : {}),
        evidence: body.consent,
        strength: 'full',
        eventId: body.sourceRecordId
          ? deterministicEventId({
              sourceSystem: body.sourceSystem,
              sourceId: body.sourceRecordId,
              type: 'ConsentRecorded',
            })
          : newEventId(),
        source: { system: body.sourceSystem, actor: principal.subject },
        correlationId: req.id,
      });
      send(
        res,
        outcome.status === 'pending_attribution' ? 202 : outcome.status === 'recorded' ? 201 : 200,
        outcome,
      );
    });
    e.post('/v1/tcf-consents', auth, requirePermission('ingest:write'), async (req, res) => {
      const body = parseInput(tcfBody, req.body);
      const result = await app.recordTcf({
        ...(body.clientId ? { clientId: body.clientId } : {}),
        ...(body.customer ? { customer: body.customer } : {}),
        ...(body.jurisdiction ? { jurisdiction: body.jurisdiction } : {}),
        tcString: body.tcString,
        point: body.collectionPoint,
        source: { system: body.sourceSystem, actor: principalOf(req).subject },
        sourceSystem: body.sourceSystem,
        sourceId: body.sourceRecordId,
        correlationId: req.id,
      });
      send(res, result.outcomes.some((o) => o.status === 'recorded') ? 201 : 200, result);
    });
    e.post('/v1/clients/:clientId/consents', auth, async (req, res) => {
      const principal = principalOf(req);
      const clientId = String(req.params.clientId);
      const { storeCountry, ...evidence } = parseInput(clientConsentBody, req.body);
      checkCollectionStore(principal, evidence.collection?.storeId);
      const scope = await app.scopeOf(clientId);
      const storeId = evidence.collection?.storeId;
      authorize(principal, 'client:write', {
        ...scope,
        storeIds: [...(scope.storeIds ?? []), ...(storeId ? [storeId] : [])],
      });
      const outcome = await app.record({
        clientId,
        evidence,
        ...(storeCountry ? { storeCountry } : {}),
        strength: 'full',
        eventId: newEventId(),
        source: { system: 'consent.api', actor: principal.subject },
        correlationId: req.id,
      });
      send(res, outcome.status === 'recorded' ? 201 : 200, outcome);
    });
    e.get('/v1/clients/:clientId/consents', auth, async (req, res) => {
      const principal = principalOf(req);
      const clientId = String(req.params.clientId);
      authorize(principal, 'client:read', await app.scopeOf(clientId));
      send(res, 200, await queries.current(clientId));
    });

    // --- decisions
    const decision = async (req: Request, res: Response, input: unknown) => {
      const principal = principalOf(req);
      const clientId = String(req.params.clientId);
      authorize(principal, 'client:read', await app.scopeOf(clientId));
      const q = parseInput(decisionQuery, input);
      const result = await app.decide(
        clientId,
        {
          purpose: q.purpose,
          at: q.at ?? ctx.clock().toISOString(),
          ...(q.channel ? { channel: q.channel } : {}),
          ...(q.destinationRegion ? { destinationRegion: q.destinationRegion } : {}),
          ...(q.recipient ? { recipient: q.recipient } : {}),
          ...(q.context ? { context: q.context } : {}),
          ...(q.contractNecessity === undefined ? {} : { contractNecessity: q.contractNecessity }),
          ...(q.contactPoint ? { contactPoint: q.contactPoint } : {}),
        },
        principal,
      );
      send(res, 200, result);
    };
    e.get('/v1/clients/:clientId/decision', auth, (req, res) => decision(req, res, req.query));
    e.post('/v1/clients/:clientId/decisions', auth, (req, res) => decision(req, res, req.body));

    // --- Shopify webhooks (authenticated by the shop's HMAC, not a bearer token)
    e.post('/v1/webhooks/shopify', async (req, res) => {
      const shop = req.get('x-shopify-shop-domain') ?? '';
      const config = shops[shop];
      const raw = req.rawBody;
      if (
        config === undefined ||
        raw === undefined ||
        !verifyShopifyHmac(raw, req.get('x-shopify-hmac-sha256'), config.secret)
      )
        throw new UnauthorizedError('The webhook signature does not verify.');
      const topic = req.get('x-shopify-topic') ?? '';
      const webhookId = req.get('x-shopify-webhook-id') ?? '';
      if (
        !(SHOPIFY_TOPICS as readonly string[]).includes(topic) ||
        webhookId.length === 0 ||
        webhookId.length > 200
      )
        throw new ValidationError('Unsupported webhook.', [
          {
            pointer: '/x-shopify-topic',
            detail: `must be one of ${SHOPIFY_TOPICS.join(', ')} with a webhook id`,
          },
        ]);
      const result = await queries.shopifyDelivery(webhookId, topic, shop, async () => {
        const mapped = mapShopifyWebhook({
          topic: topic as ShopifyTopic,
          shop,
          webhookId,
          triggeredAt: req.get('x-shopify-triggered-at'),
          body: req.body,
          rawBody: raw.toString('utf8'),
          jurisdiction: config.jurisdiction,
          receivedAt: ctx.clock().toISOString(),
        });
        if (!mapped.ok) return { status: 'ignored', reason: mapped.reason };
        const outcome = await app
          .record({
            customer: mapped.consent.references,
            ...(config.country ? { storeCountry: config.country } : {}),
            evidence: {
              ...mapped.consent.evidence,
              ...(mapped.consent.contactPoint ? { contactPoint: mapped.consent.contactPoint } : {}),
            },
            strength: 'weak',
            eventId: deterministicEventId({
              sourceSystem: 'shopify',
              sourceId: webhookId,
              type: 'ConsentRecorded',
            }),
            source: { system: 'shopify', instance: shop },
          })
          .catch((error: unknown) => {
            // A refusal is final (erased and suppressed, invalid evidence): a retry would not change it.
            if (error instanceof ApplicationError && error.status < 500)
              return { status: `refused:${error.kind}` };
            throw error;
          });
        return { status: outcome.status };
      });
      // Shopify retries anything but a 2xx: refusals we will never accept are answered 200 too.
      send(res, 200, result);
    });

    // --- ledger
    e.get('/v1/ledger/keys', ...audit, async (req, res) => {
      await app.logAccess(principalOf(req), 'ledger.keys', null, {});
      send(res, 200, { keys: await app.ledger.keys() });
    });
    e.get('/v1/ledger/:region/checkpoints', ...audit, async (req, res) => {
      await app.logAccess(principalOf(req), 'ledger.checkpoints', null, {
        region: req.params.region,
      });
      send(res, 200, { checkpoints: await app.ledger.checkpoints(region(req)) });
    });
    e.get('/v1/ledger/:region/checkpoints/latest', ...audit, async (req, res) => {
      await app.logAccess(principalOf(req), 'ledger.checkpoint', null, {
        region: req.params.region,
      });
      send(res, 200, (await app.ledger.latestCheckpoint(region(req))) ?? null);
    });
    e.post('/v1/ledger/:region/checkpoints', ...audit, async (req, res) => {
      await app.logAccess(principalOf(req), 'ledger.sign', null, { region: req.params.region });
      await app.ledger.live();
      send(res, 201, (await app.ledger.checkpoint(region(req))) ?? null);
    });
    e.get('/v1/ledger/:region/proofs/inclusion', ...audit, async (req, res) => {
      const q = parseInput(
        z.strictObject({
          seq: z.string().optional(),
          eventId: z.uuid().optional(),
          treeSize: z.string().optional(),
        }),
        req.query,
      );
      await app.logAccess(principalOf(req), 'ledger.inclusion', null, {
        region: req.params.region,
        ...q,
      });
      let seq = q.seq === undefined ? undefined : int(q.seq, 'seq');
      if (seq === undefined && q.eventId !== undefined)
        seq = (await app.ledger.leafOf(q.eventId))?.seq;
      if (seq === undefined)
        throw new ValidationError('Give seq or eventId (of a sequenced event).', [
          { pointer: '/seq', detail: 'is required' },
        ]);
      send(
        res,
        200,
        await app.ledger.inclusion(
          region(req),
          seq,
          q.treeSize === undefined ? undefined : int(q.treeSize, 'treeSize'),
        ),
      );
    });
    e.get('/v1/ledger/:region/proofs/consistency', ...audit, async (req, res) => {
      const q = parseInput(z.strictObject({ from: z.string(), to: z.string() }), req.query);
      await app.logAccess(principalOf(req), 'ledger.consistency', null, {
        region: req.params.region,
        ...q,
      });
      send(
        res,
        200,
        await app.ledger.consistency(region(req), int(q.from, 'from'), int(q.to, 'to')),
      );
    });
    e.get('/v1/ledger/:region/export', ...audit, async (req, res) => {
      const q = parseInput(
        z.strictObject({
          fromSeq: z.string().optional(),
          toSeq: z.string().optional(),
          checkpoints: z.string().optional(),
        }),
        req.query,
      );
      await app.logAccess(principalOf(req), 'ledger.export', null, {
        region: req.params.region,
        ...q,
      });
      await app.ledger.live();
      const bundle = await app.ledger.exportRange(region(req), {
        ...(q.fromSeq === undefined ? {} : { fromSeq: int(q.fromSeq, 'fromSeq') }),
        ...(q.toSeq === undefined ? {} : { toSeq: int(q.toSeq, 'toSeq') }),
        ...(q.checkpoints === undefined ? {} : { checkpoints: int(q.checkpoints, 'checkpoints') }),
      });
      res.set(
        'content-disposition',
        `attachment; filename="consent-ledger-${bundle.region}-${String(bundle.checkpoints.at(-1)?.treeSize ?? 0)}.json"`,
      );
      send(res, 200, bundle);
    });

    // --- audit (compliance; every access recorded)
    e.get('/v1/audit/consents', ...audit, async (req, res) => {
      const { format, proofs, ...filters } = parseInput(queries.auditSearchQuery, req.query);
      await app.logAccess(principalOf(req), 'audit.search', filters.clientId ?? null, {
        ...filters,
        format,
        proofs,
      });
      await queries.sendSearch(res, filters, format, proofs);
    });
    e.get('/v1/audit/clients/:clientId/history', ...audit, async (req, res) => {
      const clientId = String(req.params.clientId);
      const { format, proofs, ...filters } = parseInput(queries.auditSearchQuery, req.query);
      await app.logAccess(principalOf(req), 'audit.history', clientId, {
        ...filters,
        format,
        proofs,
      });
      await queries.sendSearch(res, { ...filters, clientId }, format, proofs, true);
    });
    e.get('/v1/audit/clients/:clientId/state', ...audit, async (req, res) => {
      const clientId = String(req.params.clientId);
      const { asOf } = parseInput(z.strictObject({ asOf: instant }), req.query);
      await app.logAccess(principalOf(req), 'audit.state', clientId, { asOf });
      send(res, 200, { clientId, asOf, consents: await queries.stateAsOf(clientId, asOf) });
    });
    e.get('/v1/audit/clients/:clientId/ledger', ...audit, async (req, res) => {
      const clientId = String(req.params.clientId);
      await app.logAccess(principalOf(req), 'audit.ledger', clientId, {});
      send(res, 200, await queries.clientBundle(clientId));
    });
    e.get('/v1/audit/access-log', ...audit, async (req, res) => {
      const q = parseInput(
        z.strictObject({
          clientId: text(200).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        req.query,
      );
      await app.logAccess(principalOf(req), 'audit.access-log', q.clientId ?? null, q);
      send(res, 200, { entries: await queries.accessLog(q.clientId, q.limit) });
    });
    e.get('/v1/audit/decisions', ...audit, async (req, res) => {
      const q = parseInput(
        z.strictObject({
          clientId: text(200),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        req.query,
      );
      await app.logAccess(principalOf(req), 'audit.decisions', q.clientId, q);
      send(res, 200, { decisions: await queries.decisions(q.clientId, q.limit) });
    });
    e.get('/v1/audit/withdrawal-violations', ...audit, async (req, res) => {
      const q = parseInput(z.strictObject({ clientId: text(200).optional() }), req.query);
      await app.logAccess(principalOf(req), 'audit.violations', q.clientId ?? null, q);
      send(res, 200, { violations: await queries.withdrawalViolations(q.clientId) });
    });

    // --- erasure and access requests
    e.post('/v1/erasure-requests', ...privacy, async (req, res) => {
      const body = parseInput(erasureBody, req.body);
      const principal = principalOf(req);
      const result = await app.requestErasure(
        body.clientId,
        principal.subject,
        body.ticket ?? null,
      );
      await app.logAccess(principal, 'privacy.erasure', result.clientId, {
        requestId: result.requestId,
      });
      res.location(`/v1/erasure-requests/${result.requestId}`);
      send(res, 202, { ...result, status: 'requested' });
    });
    e.get('/v1/erasure-requests/:requestId', ...privacy, async (req, res) => {
      const requestId = parseInput(z.uuid(), req.params.requestId, {
        message: 'requestId must be a UUID.',
      });
      await app.logAccess(principalOf(req), 'privacy.erasure-report', null, { requestId });
      send(res, 200, await app.erasureReport(requestId));
    });
    e.get('/v1/clients/:clientId/access-export', ...privacy, async (req, res) => {
      const clientId = String(req.params.clientId);
      const { format } = parseInput(
        z.strictObject({ format: z.enum(['json', 'tar']).default('json') }),
        req.query,
      );
      await app.logAccess(principalOf(req), 'privacy.access-export', clientId, { format });
      const dsar = await queries.accessExport(clientId);
      if (format === 'tar') {
        res
          .status(200)
          .type('application/x-tar')
          .set(
            'content-disposition',
            `attachment; filename="dsar-${clientId.replace(/[^A-Za-z0-9._-]/g, '_')}.tar"`,
          )
          .send(
            tar(
              dsar.files.map((f) => ({ name: f.name, content: f.content })),
              ctx.clock(),
            ),
          );
        return;
      }
      send(res, 200, {
        manifest: dsar.manifest,
        files: Object.fromEntries(dsar.files.map((f) => [f.name, f.content.toString('utf8')])),
      });
    });
  };
}
