import { readFileSync } from 'node:fs';
import { authorize, requirePrincipal, type Principal } from '@maison/auth';
import { newEventId } from '@maison/event-contracts';
import type { GraphQLContext, SubgraphResolvers } from '@maison/runtime';
import { parseInput } from '@maison/service-kit';
import { gql } from 'graphql-tag';
import type { DocumentNode } from 'graphql';
import type { ConsentApp } from '../application.js';
import type { ConsentEvidenceInput } from '../consent/evidence.js';
import { Ledger } from '../ledger/ledger.js';
import { auditSearch, type AuditRecord } from '../projections/audit.queries.js';
import type { ConsentQueries } from './queries.js';
import { checkCollectionStore, decisionQuery } from './rest.routes.js';

export function consentTypeDefs(): DocumentNode {
  return gql(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));
}

const up = (v: string | null | undefined) => (v == null ? v : v.toUpperCase());
const down = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

const auditOut = (r: AuditRecord) => ({
  ...r,
  purpose: up(r.purpose),
  channel: up(r.channel),
  state: up(r.state),
  transferPurposes: r.transferPurposes.map((p) => p.toUpperCase()),
  sourceSystem: r.source.system,
  actor: r.source.actor,
  collection: { ...r.collection, method: up(r.collection.method) },
});

interface ClientRef {
  readonly id: string;
}

export function consentResolvers(app: ConsentApp, queries: ConsentQueries): SubgraphResolvers {
  const audited = async (
    ctx: GraphQLContext,
    action: string,
    clientId: string | null,
    params: Record<string, unknown>,
  ): Promise<Principal> => {
    const principal = requirePrincipal(ctx.principal);
    authorize(principal, 'consent:audit');
    await app.logAccess(principal, action, clientId, params);
    return principal;
  };
  const record = async (
    ctx: GraphQLContext,
    input: Record<string, unknown>,
    state: ConsentEvidenceInput['state'],
  ) => {
    const principal = requirePrincipal(ctx.principal);
    const { clientId, pendingDoubleOptIn, ...rest } = input as {
      clientId: string;
      pendingDoubleOptIn?: boolean;
    } & Record<string, unknown>;
    const collection = rest.collection as { method: string; storeId?: string | null } | undefined;
    checkCollectionStore(principal, collection?.storeId);
    const scope = await app.scopeOf(clientId);
    const storeId = collection?.storeId;
    authorize(principal, 'client:write', {
      ...scope,
      storeIds: [...(scope.storeIds ?? []), ...(storeId ? [storeId] : [])],
    });
    const evidence = {
      ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null)),
      purpose: down(rest.purpose),
      ...(rest.channel ? { channel: down(rest.channel) } : {}),
      ...(Array.isArray(rest.transferPurposes)
        ? { transferPurposes: rest.transferPurposes.map(down) }
        : {}),
      ...(collection
        ? {
            collection: Object.fromEntries(
              Object.entries({ ...collection, method: down(collection.method) }).filter(
                ([, v]) => v !== null,
              ),
            ),
          }
        : {}),
      state: pendingDoubleOptIn === true ? 'pending_double_opt_in' : state,
    };
    const outcome = await app.record({
      clientId,
      evidence: evidence as ConsentEvidenceInput,
      strength: 'full',
      eventId: newEventId(),
      source: { system: 'consent.graphql', actor: principal.subject },
      correlationId: ctx.requestId,
    });
    return {
      ...outcome,
      clientId: 'clientId' in outcome ? outcome.clientId : null,
      consentId: 'consentId' in outcome ? outcome.consentId : null,
    };
  };
  return {
    Client: {
      __resolveReference: (ref: ClientRef) => ({ id: ref.id }),
      consents: async (client: ClientRef, _args: unknown, ctx: GraphQLContext) => {
        const principal = requirePrincipal(ctx.principal);
        authorize(principal, 'client:read', await app.scopeOf(client.id));
        const current = await queries.current(client.id);
        return current.consents.map((c) => ({
          ...c,
          purpose: up(c.purpose),
          channel: up(c.channel),
          state: up(c.state),
          collection: { ...c.collection, method: up(c.collection.method) },
        }));
      },
      consentAt: async (client: ClientRef, args: { asOf: string }, ctx: GraphQLContext) => {
        const asOf = parseInput(auditSearch.shape.from.unwrap(), args.asOf, {
          message: 'asOf must be an ISO 8601 instant with offset.',
        });
        await audited(ctx, 'graphql.consentAt', client.id, { asOf });
        return (await queries.stateAsOf(client.id, asOf)).map(auditOut);
      },
      consentHistory: async (
        client: ClientRef,
        args: { filter?: Record<string, unknown> | null },
        ctx: GraphQLContext,
      ) => {
        const raw = Object.fromEntries(
          Object.entries(args.filter ?? {})
            .filter(([, v]) => v !== null)
            .map(([k, v]) => [k, ['purpose', 'channel', 'state'].includes(k) ? down(v) : v]),
        );
        const filter = parseInput(auditSearch.omit({ limit: true }).partial(), raw);
        await audited(ctx, 'graphql.consentHistory', client.id, filter);
        return (await queries.history(client.id, filter)).map(auditOut);
      },
      canContact: async (client: ClientRef, args: Record<string, unknown>, ctx: GraphQLContext) => {
        const principal = requirePrincipal(ctx.principal);
        authorize(principal, 'client:read', await app.scopeOf(client.id));
        const q = parseInput(decisionQuery, {
          ...Object.fromEntries(
            Object.entries(args).filter(([, v]) => v !== null && v !== undefined),
          ),
          purpose: down(args.purpose),
          channel: down(args.channel),
        });
        return app.decide(
          client.id,
          {
            purpose: q.purpose,
            at: q.at ?? app.ctx.clock().toISOString(),
            ...(q.channel ? { channel: q.channel } : {}),
            ...(q.destinationRegion ? { destinationRegion: q.destinationRegion } : {}),
            ...(q.recipient ? { recipient: q.recipient } : {}),
          },
          principal,
        );
      },
    },
    Query: {
      consentAudit: async (
        _: unknown,
        args: { search: Record<string, unknown> },
        ctx: GraphQLContext,
      ) => {
        const raw = Object.fromEntries(
          Object.entries(args.search)
            .filter(([, v]) => v !== null)
            .map(([k, v]) => [k, ['purpose', 'channel', 'state'].includes(k) ? down(v) : v]),
        );
        const search = parseInput(auditSearch, raw);
        await audited(ctx, 'graphql.consentAudit', search.clientId ?? null, search);
        const page = await queries.search(search);
        return { records: page.records.map(auditOut), next: page.next };
      },
      consentLedgerCheckpoint: async (
        _: unknown,
        args: { region: string },
        ctx: GraphQLContext,
      ) => {
        await audited(ctx, 'graphql.ledgerCheckpoint', null, { region: args.region });
        return (await app.ledger.latestCheckpoint(Ledger.region(args.region))) ?? null;
      },
    },
    Mutation: {
      grantConsent: (_: unknown, args: { input: Record<string, unknown> }, ctx: GraphQLContext) =>
        record(ctx, args.input, 'granted'),
      withdrawConsent: (
        _: unknown,
        args: { input: Record<string, unknown> },
        ctx: GraphQLContext,
      ) => record(ctx, { ...args.input, legalBasis: 'consent' }, 'withdrawn'),
      requestClientErasure: async (
        _: unknown,
        args: { clientId: string; ticket?: string | null },
        ctx: GraphQLContext,
      ) => {
        const principal = requirePrincipal(ctx.principal);
        authorize(principal, 'privacy:requests');
        const result = await app.requestErasure(
          args.clientId,
          principal.subject,
          args.ticket ?? null,
        );
        await app.logAccess(principal, 'privacy.erasure', result.clientId, {
          requestId: result.requestId,
        });
        return { ...result, status: 'requested' };
      },
    },
  };
}
