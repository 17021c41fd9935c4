import { readFileSync } from 'node:fs';
import { requirePrincipal, type Principal } from '@maison/auth';
import { getOrLoad, type Cache, type JsonValue } from '@maison/cache';
import { normaliseIdentifier } from '@maison/identifiers';
import type { Privacy } from '@maison/privacy';
import { identifierIndex, type GraphQLContext, type SubgraphResolvers } from '@maison/runtime';
import { ForbiddenError, ValidationError, type Logger } from '@maison/service-kit';
import { gql } from 'graphql-tag';
import type { DocumentNode } from 'graphql';
import { clientTag } from '../projections/projector.js';
import {
  openIdentifier,
  scopeOf,
  type ClientView,
  type DecisionRow,
  type IdentityQueries,
} from '../projections/queries.js';
import { seesClients, visibilityOf } from './visibility.js';

/** The subgraph SDL, from `services/identity/schema.graphql` (what the gateway composes). */
export function identityTypeDefs(): DocumentNode {
  const sdl = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
  return gql(sdl);
}

/** What the Client entity's field resolvers get. */
interface ClientNode {
  readonly view: ClientView;
  readonly mergedInto: string | null;
}

export interface ClientLookup {
  /** The client an id resolves to (following merges unless told not to), or null. */
  node(id: string, followMerges: boolean): Promise<ClientNode | null>;
}

const VIEW_TTL_MS = 60_000;

/** Client views from the read model, cached (ciphertext only: values are decrypted per request). */
export function clientLookup(
  queries: IdentityQueries,
  cache: Cache,
  logger: Logger,
): ClientLookup & { view(root: string): Promise<ClientView | null> } {
  const view = async (root: string): Promise<ClientView | null> => {
    const cached = await getOrLoad<JsonValue>(
      cache,
      `view:${root}`,
      async () => JSON.parse(JSON.stringify(await queries.view(root))) as JsonValue,
      {
        ttlMs: VIEW_TTL_MS,
        tags: [clientTag(root)],
        onCacheError: (error) => {
          logger.warn({ err: error }, 'client view cache bypassed');
        },
      },
    );
    return cached as unknown as ClientView | null;
  };
  return {
    view,
    async node(id, followMerges) {
      const root = followMerges ? await queries.rootOf(id) : id;
      if (root === null) return null;
      const v = await view(root);
      if (v === null) return null;
      return { view: v, mergedInto: followMerges ? null : await queries.parentOf(root) };
    },
  };
}

const clientId = (value: unknown, field: string): string => {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200)
    throw new ValidationError('A client id is 1 to 200 characters.', [
      { pointer: `/${field}`, detail: 'must be 1 to 200 characters' },
    ]);
  return value;
};

function reader(ctx: GraphQLContext): Principal {
  const principal = requirePrincipal(ctx.principal);
  if (!seesClients(principal))
    throw new ForbiddenError(`A ${principal.role} token cannot read clients.`);
  return principal;
}

const graphqlType = (type: string): string => type.toUpperCase();

function decisionOf(row: DecisionRow) {
  const d = row.details;
  const related = [
    ...((d.mergedIds as string[] | undefined) ?? []),
    ...(typeof d.restoredClientId === 'string' ? [d.restoredClientId] : []),
    ...((d.clientIds as string[] | undefined) ?? []).filter((id) => id !== row.clientId),
  ];
  const ref = d.identifier as { type: string; scope: string | null; index: string } | undefined;
  const matches =
    (d.matches as
      | { ref: { type: string; scope: string | null; index: string }; clientId: string | null }[]
      | undefined) ?? [];
  return {
    eventId: row.eventId,
    kind: row.kind.toUpperCase(),
    clientId: row.clientId,
    occurredAt: row.occurredAt,
    recordedAt: row.recordedAt,
    rule: row.rule,
    actor: row.actor,
    explanation: row.explanation,
    trigger: typeof d.trigger === 'string' ? d.trigger : null,
    identifier: ref === undefined ? null : { ...ref, type: graphqlType(ref.type) },
    reason: typeof d.reason === 'string' ? d.reason : null,
    mergeId: typeof d.mergeId === 'string' ? d.mergeId : null,
    relatedClientIds: related,
    evidence: matches.map((m) => ({
      identifier: { ...m.ref, type: graphqlType(m.ref.type) },
      clientId: m.clientId,
    })),
  };
}

/**
 * The resolvers: every one checks the caller (never trusting the gateway), field-level
 * authorization on identifiers, and bad input as BAD_USER_INPUT, never a 500.
 */
export function identityResolvers(deps: {
  readonly queries: IdentityQueries;
  readonly lookup: ClientLookup;
  readonly privacy: Privacy;
}): SubgraphResolvers {
  const { queries, lookup, privacy } = deps;
  return {
    Query: {
      client: async (
        _: unknown,
        args: { id: unknown; followMerges?: boolean | null },
        ctx: GraphQLContext,
      ) => {
        reader(ctx);
        return lookup.node(clientId(args.id, 'id'), args.followMerges !== false);
      },
      clientByIdentifier: async (
        _: unknown,
        args: { type: string; value: string; scope?: string | null; country?: string | null },
        ctx: GraphQLContext,
      ) => {
        reader(ctx);
        const result = normaliseIdentifier({
          type: args.type.toLowerCase(),
          value: args.value,
          scope: args.scope ?? null,
          defaultCountry: args.country ?? null,
        });
        if (!result.ok)
          throw new ValidationError(`The identifier's ${result.field} ${result.message}.`, [
            { pointer: `/${result.field}`, detail: result.message },
          ]);
        const index = identifierIndex(privacy, result.identifier);
        if (await privacy.isSuppressed(result.identifier.type, index)) return null;
        const root = await queries.clientByIndex(index);
        return root === null ? null : lookup.node(root, true);
      },
    },
    Client: {
      __resolveReference: async (reference: { id?: unknown }, ctx: GraphQLContext) => {
        reader(ctx);
        return lookup.node(clientId(reference.id, 'id'), true);
      },
      id: (node: ClientNode) => node.view.id,
      homeRegion: (node: ClientNode) => node.view.homeRegion,
      registeredAt: (node: ClientNode) => node.view.registeredAt,
      mergedIds: (node: ClientNode) => node.view.members.filter((m) => m !== node.view.id),
      mergedInto: async (node: ClientNode, _: unknown, ctx: GraphQLContext) => {
        reader(ctx);
        return node.mergedInto === null ? null : lookup.node(node.mergedInto, false);
      },
      identifiers: async (node: ClientNode, _: unknown, ctx: GraphQLContext) => {
        const principal = reader(ctx);
        const visibility = visibilityOf(principal, scopeOf(node.view));
        if (visibility === 'none') throw new ForbiddenError('This caller may not see identifiers.');
        return Promise.all(
          node.view.identifiers.map(async (row) => {
            const opened = await openIdentifier(privacy, row);
            return {
              type: graphqlType(row.type),
              scope: row.scope,
              index: row.index,
              value: visibility === 'full' ? opened.value : null,
              masked: opened.masked,
              heldBy: row.holder,
              linkedAt: row.linkedAt,
              rule: row.rule,
            };
          }),
        );
      },
      identityHistory: async (
        node: ClientNode,
        args: { first?: number | null },
        ctx: GraphQLContext,
      ) => {
        reader(ctx);
        const first = args.first ?? 50;
        if (!Number.isInteger(first) || first < 1 || first > 500)
          throw new ValidationError('`first` must be between 1 and 500.', [
            { pointer: '/first', detail: 'must be between 1 and 500' },
          ]);
        return (await queries.history(node.view.members, first)).map(decisionOf);
      },
    },
  };
}
