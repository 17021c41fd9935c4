import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  authenticate,
  can,
  canWriteClientOf,
  requirePrincipal,
  requireRole,
  type Principal,
  type TokenVerifier,
} from '@maison/auth';
import { REGIONS, type Region } from '@maison/event-contracts';
import type { Privacy } from '@maison/privacy';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  parseInput,
  ValidationError,
} from '@maison/service-kit';
import type { Express, Request } from 'express';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { IdentityService, Origin } from '../engine/identity.service.js';
import { fromRawIdentifiers } from '../engine/references.js';
import { openIdentifier, scopeOf, type ClientView } from '../projections/queries.js';
import type { ResolutionResult } from '../resolution/resolve.policy.js';
import { compileRules, ruleSetSchema } from '../rules/rule-set.js';
import { seesClients, visibilityOf } from './visibility.js';

const id = z.string().min(1).max(200);
const storeId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'must be a store code');
/** Stewards' reasons land in events: a ticket or a short note, never an address or a number. */
const reason = z
  .string()
  .trim()
  .min(3)
  .max(300)
  .refine((r) => !r.includes('@') && !/\d{6,}/.test(r), 'must not contain e-mails or numbers');

export const identifyBody = z.strictObject({
  identifiers: z
    .array(
      z.strictObject({
        type: z.string().min(1).max(40),
        value: z.string().min(1).max(2048),
        scope: z.string().max(200).nullish(),
      }),
    )
    .min(1)
    .max(10),
  storeId: storeId.optional(),
  /** ISO 3166-1 alpha-2 of the store: the default country of national phone numbers. */
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
    .optional(),
  /** Where the record is made (the home region of a client it registers); default: this region. */
  region: z.enum(REGIONS).optional(),
  sourceSystem: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._:-]{0,99}$/, 'must be a lower-case system name')
    .optional(),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});

const mergeBody = z.strictObject({ survivorId: id, mergedId: id, reason });
const unmergeBody = z.strictObject({ reason });
const simulateBody = z.strictObject({ ruleSet: ruleSetSchema });
const mergeIdParam = z.uuid();
const indexParam = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a blind index');

function origin(req: Request, principal: Principal): Origin {
  const traceparent = req.header('traceparent');
  return {
    actor: principal.subject,
    correlationId: req.id,
    causationId: null,
    ...(traceparent !== undefined && /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(traceparent)
      ? { traceparent }
      : {}),
  };
}

/** A caller's idempotency key, hashed (it may be anything, even personal data). */
function operationKey(req: Request, kind: string): string {
  const key = req.header('idempotency-key');
  if (key === undefined || key.length === 0) return `${kind}:${randomUUID()}`;
  if (key.length > 200)
    throw new ValidationError('The Idempotency-Key header is too long.', [
      { pointer: '/headers/idempotency-key', detail: 'must be at most 200 characters' },
    ]);
  return `${kind}:${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
}

export function identifyResponse(result: ResolutionResult) {
  return {
    clientId: result.clientId,
    outcome: result.outcome,
    replayed: result.replayed,
    registered: result.registered !== null,
    merges: result.merges,
    rejections: result.rejections,
    identifiers: result.references.map((n) => ({
      type: n.ref.type,
      scope: n.ref.scope,
      index: n.ref.index,
      status: n.status,
      clientId: n.clientId,
      rule: n.rule,
    })),
    explanation: result.explanation,
  };
}

async function identifiersOf(privacy: Privacy, principal: Principal, view: ClientView) {
  const visibility = visibilityOf(principal, scopeOf(view));
  if (visibility === 'none') throw new ForbiddenError('This caller may not see identifiers.');
  return Promise.all(
    view.identifiers.map(async (row) => {
      const opened = await openIdentifier(privacy, row);
      return {
        type: row.type,
        scope: row.scope,
        index: row.index,
        ...(visibility === 'full' ? { value: opened.value } : {}),
        masked: opened.masked,
        heldBy: row.holder,
        linkedAt: row.linkedAt,
        rule: row.rule,
      };
    }),
  );
}

export interface RestDeps {
  readonly service: IdentityService;
  readonly verifier: TokenVerifier;
  readonly privacy: Privacy;
  readonly region: Region;
  readonly view: (root: string) => Promise<ClientView | null>;
  readonly rootOf: (id: string) => Promise<string | null>;
  readonly clock: () => Date;
}

const OPENAPI_URL = new URL('../../openapi.yaml', import.meta.url);

/**
 * REST: identify (resolve-or-register, synchronous), a client's identifiers, the stewards'
 * merge / unmerge / unlink, the active rules and their dry-run simulation. Every route verifies
 * the caller; errors are problem+json.
 */
export function identityRoutes(deps: RestDeps): (app: Express) => void {
  const { service, privacy } = deps;
  const auth = authenticate({ verifier: deps.verifier });
  let openapi: { yaml: string; json: unknown } | undefined;
  const spec = () => {
    if (openapi === undefined) {
      const yaml = readFileSync(OPENAPI_URL, 'utf8');
      openapi = { yaml, json: parseYaml(yaml) as unknown };
    }
    return openapi;
  };

  return (app) => {
    app.get(
      '/v1/openapi.json',
      authenticate({ verifier: deps.verifier, optional: true }),
      (_req, res) => {
        res.json(spec().json);
      },
    );
    app.get(
      '/v1/openapi.yaml',
      authenticate({ verifier: deps.verifier, optional: true }),
      (_req, res) => {
        res.type('application/yaml').send(spec().yaml);
      },
    );

    app.post('/v1/identify', auth, async (req, res) => {
      const principal = requirePrincipal(req.principal);
      const body = parseInput(identifyBody, req.body);
      const region = body.region ?? deps.region;
      const allowed =
        can(principal, 'ingest:write') ||
        canWriteClientOf(principal, {
          region,
          ...(body.storeId === undefined ? {} : { storeIds: [body.storeId] }),
        });
      if (!allowed)
        throw new ForbiddenError('This caller may not identify clients for this store or region.');
      const refs = fromRawIdentifiers(
        privacy,
        body.identifiers.map((i) => ({ type: i.type, value: i.value, scope: i.scope ?? null })),
        body.country?.toUpperCase() ?? null,
      );
      if (!refs.ok)
        throw new ValidationError('An identifier is invalid.', [
          {
            pointer: `/identifiers/${String(refs.position)}/${refs.issue.field === 'defaultCountry' ? 'country' : refs.issue.field}`,
            detail: `${refs.issue.message} (${refs.issue.reason})`,
          },
        ]);
      const result = await service.resolve(
        {
          trigger: operationKey(req, 'api'),
          references: refs.references,
          sourceSystem: body.sourceSystem ?? 'api',
          storeId: body.storeId ?? null,
          region,
          occurredAt: body.occurredAt ?? deps.clock().toISOString(),
        },
        origin(req, principal),
      );
      if (result.outcome === 'refused')
        throw new ConflictError(
          'An identifier of this record belongs to an erased client: identity does not link it.',
        );
      res
        .status(result.registered !== null && !result.replayed ? 201 : 200)
        .json(identifyResponse(result));
    });

    app.get('/v1/clients/:id/identifiers', auth, async (req, res) => {
      const principal = requirePrincipal(req.principal);
      if (!seesClients(principal))
        throw new ForbiddenError(`A ${principal.role} token cannot read clients.`);
      const clientId = parseInput(id, req.params.id);
      const root = await deps.rootOf(clientId);
      const view = root === null ? null : await deps.view(root);
      if (view === null) throw new NotFoundError(`Client ${clientId} does not exist.`);
      res.json({
        clientId: view.id,
        requestedId: clientId,
        mergedIds: view.members.filter((m) => m !== view.id),
        identifiers: await identifiersOf(privacy, principal, view),
      });
    });

    app.post('/v1/merges', auth, async (req, res) => {
      const principal = requirePrincipal(req.principal);
      requireRole(principal, 'admin');
      const body = parseInput(mergeBody, req.body);
      const result = await service.merge(
        body,
        operationKey(req, 'api:steward'),
        origin(req, principal),
      );
      res.status(201).json(result);
    });

    app.post('/v1/merges/:mergeId/unmerge', auth, async (req, res) => {
      const principal = requirePrincipal(req.principal);
      requireRole(principal, 'admin');
      const mergeId = parseInput(mergeIdParam, req.params.mergeId);
      const body = parseInput(unmergeBody, req.body);
      const result = await service.unmerge(
        { mergeId, reason: body.reason },
        operationKey(req, 'api:steward'),
        origin(req, principal),
      );
      res.json(result);
    });

    app.delete('/v1/clients/:id/identifiers/:index', auth, async (req, res) => {
      const principal = requirePrincipal(req.principal);
      requireRole(principal, 'admin');
      const clientId = parseInput(id, req.params.id);
      const index = parseInput(indexParam, req.params.index);
      const ref = await service.unlink(
        { clientId, index },
        operationKey(req, 'api:steward'),
        origin(req, principal),
      );
      res.json({ clientId, unlinked: ref });
    });

    app.get('/v1/rules', auth, (req, res) => {
      const principal = requirePrincipal(req.principal);
      requireRole(principal, 'admin');
      res.json(service.rules.set);
    });

    app.post('/v1/rules/simulate', auth, async (req, res) => {
      const principal = requirePrincipal(req.principal);
      requireRole(principal, 'admin');
      const body = parseInput(simulateBody, req.body, {
        message: 'The candidate rule set is invalid.',
      });
      res.json(await service.simulate(compileRules(body.ruleSet)));
    });
  };
}
