// Test subgraphs for the gateway's tests and the client-view benchmark: five small services on
// @maison/runtime (`serveModule`) shaped like the real ones — identity owns `Client`, the others
// add fields — with realistic payload sizes (4 identities, a profile with notes and dates, 8
// consents, the last 20 transactions, spend and tier, 10 recommendations) and the platform's
// rules: every resolver verifies the forwarded token itself and authorizes by the client's scope.
import type { IncomingHttpHeaders } from 'node:http';
import {
  authorize,
  canAccess,
  requirePrincipal,
  type Principal,
  type ResourceScope,
  type TokenVerifier,
} from '@maison/auth';
import {
  serveModule,
  type GraphQLContext,
  type ServedModule,
  type ServiceModule,
  type SubgraphResolvers,
} from '@maison/runtime';
import { NotFoundError, ValidationError, type Logger } from '@maison/service-kit';
import { gql } from 'graphql-tag';
import { print, type DocumentNode } from 'graphql';

const LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

const STORES = ['PAR-01', 'LDN-01', 'DXB-01', 'SHA-01', 'TYO-01', 'SEL-01', 'NYC-01'] as const;
const REGION_OF: Readonly<Record<(typeof STORES)[number], ResourceScope['region']>> = {
  'PAR-01': 'EU',
  'LDN-01': 'UK',
  'DXB-01': 'ME',
  'SHA-01': 'CN',
  'TYO-01': 'JP',
  'SEL-01': 'KR',
  'NYC-01': 'US',
};

/** `client-<n>` for n in 1..clients; client n belongs to store n mod 7 and associate `A-<n mod 7>`. */
export function fixtureClientId(n: number): string {
  return `client-${String(n)}`;
}

interface FixtureClient {
  readonly id: string;
  readonly n: number;
  readonly store: (typeof STORES)[number];
  readonly scope: ResourceScope;
}

function clientOf(id: string, clients: number): FixtureClient | undefined {
  const match = /^client-(\d{1,9})$/.exec(id);
  const n = match ? Number(match[1]) : 0;
  if (n < 1 || n > clients) return undefined;
  const store = STORES[n % STORES.length] ?? 'PAR-01';
  const region = REGION_OF[store];
  return {
    id,
    n,
    store,
    scope: {
      ...(region ? { region } : {}),
      storeIds: [store],
      associateIds: [`A-${String(n % STORES.length)}`],
    },
  };
}

type Ctx = GraphQLContext;

/** Who may see a client's file: its book or store (client:read), or compliance auditing consent. */
function readable(principal: Principal, client: FixtureClient): boolean {
  return (
    canAccess(principal, 'client:read', client.scope) ||
    canAccess(principal, 'consent:audit', client.scope)
  );
}

function modules(
  clients: number,
): Record<string, { typeDefs: DocumentNode; resolvers: SubgraphResolvers }> {
  const find = (id: string): FixtureClient => {
    const c = clientOf(id, clients);
    if (!c) throw new NotFoundError('No such client.');
    return c;
  };
  /** Field-level check every subgraph makes again: the gateway is never trusted alone. */
  const readClient = (ref: { id: string }, ctx: Ctx): FixtureClient => {
    const client = find(ref.id);
    authorize(requirePrincipal(ctx.principal), 'client:read', client.scope);
    return client;
  };
  const iso = (n: number, day: number) =>
    new Date(Date.UTC(2026, 0, 1) - (n * 7 + day) * 86_400_000)
      .toISOString()
      .replace('Z', '+00:00');

  return {
    identity: {
      typeDefs: gql`
        ${LINK}
        type Query {
          client(id: ID!): Client
          clientByIdentifier(type: IdentityIdentifierType!, value: String!): Client
          searchClients(query: String!, first: Int = 20): IdentityClientPage!
          viewer: IdentityViewer!
        }
        enum IdentityIdentifierType {
          EMAIL
          PHONE
          LOYALTY_ID
          POS_CUSTOMER
          SHOP_CUSTOMER
        }
        type Client @key(fields: "id") {
          id: ID!
          homeRegion: String!
          createdAt: String!
          identities: [IdentityIdentifier!]!
        }
        type IdentityIdentifier {
          type: IdentityIdentifierType!
          masked: String!
          source: String!
          linkedAt: String!
          verified: Boolean!
        }
        type IdentityClientPage {
          nodes: [Client!]!
          totalCount: Int!
        }
        type IdentityViewer {
          subject: String!
          role: String!
        }
      `,
      resolvers: {
        Query: {
          client: (_: unknown, args: { id: string }, ctx: Ctx) => {
            const principal = requirePrincipal(ctx.principal);
            const client = clientOf(args.id, clients);
            if (!client || !readable(principal, client)) return null;
            return { id: client.id };
          },
          clientByIdentifier: (_: unknown, args: { type: string; value: string }, ctx: Ctx) => {
            const principal = requirePrincipal(ctx.principal);
            const match = /^L(\d{1,9})$/.exec(args.value);
            if (args.type !== 'LOYALTY_ID' || !match) return null;
            const client = clientOf(fixtureClientId(Number(match[1])), clients);
            return client && readable(principal, client) ? { id: client.id } : null;
          },
          searchClients: (_: unknown, args: { query: string; first: number }, ctx: Ctx) => {
            const principal = requirePrincipal(ctx.principal);
            if (args.first < 1 || args.first > 100)
              throw new ValidationError('first must be between 1 and 100.', [
                { pointer: '/first', detail: 'between 1 and 100' },
              ]);
            const nodes: { id: string }[] = [];
            for (let n = 1; n <= clients && nodes.length < args.first; n++) {
              const c = clientOf(fixtureClientId(n), clients);
              if (c && canAccess(principal, 'client:read', c.scope)) nodes.push({ id: c.id });
            }
            return { nodes, totalCount: nodes.length };
          },
          viewer: (_: unknown, __: unknown, ctx: Ctx) => {
            const p = requirePrincipal(ctx.principal);
            return { subject: p.subject, role: p.role };
          },
        },
        Client: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          homeRegion: (ref: { id: string }, _: unknown, ctx: Ctx) => {
            const c = find(ref.id);
            const principal = requirePrincipal(ctx.principal);
            if (!readable(principal, c)) authorize(principal, 'client:read', c.scope);
            return c.scope.region ?? 'EU';
          },
          createdAt: (ref: { id: string }, _: unknown, ctx: Ctx) =>
            iso(readClient(ref, ctx).n, 400),
          identities: (ref: { id: string }, _: unknown, ctx: Ctx) => {
            const c = find(ref.id);
            const principal = requirePrincipal(ctx.principal);
            if (!readable(principal, c)) authorize(principal, 'client:read', c.scope);
            return [
              {
                type: 'EMAIL',
                masked: `c*****${String(c.n)}@e*****.com`,
                source: 'shopify',
                verified: true,
              },
              {
                type: 'PHONE',
                masked: `+33 6** ** ** ${String(c.n % 100).padStart(2, '0')}`,
                source: 'pos.cegid',
                verified: true,
              },
              {
                type: 'LOYALTY_ID',
                masked: `L****${String(c.n % 1000)}`,
                source: 'loyalty',
                verified: true,
              },
              {
                type: 'POS_CUSTOMER',
                masked: `${c.store}/****${String(c.n % 100)}`,
                source: 'pos.cegid',
                verified: false,
              },
            ].map((i, k) => ({ ...i, linkedAt: iso(c.n, 300 - k) }));
          },
        },
      },
    },
    profiles: {
      typeDefs: gql`
        ${LINK}
        type Client @key(fields: "id") {
          id: ID!
          profile: ProfilesProfile
          clientBook: [ProfilesBookEntry!]
        }
        type ProfilesProfile {
          givenName: String!
          familyName: String!
          nameAsWritten: String
          languages: [String!]!
          sizes: [ProfilesSize!]!
          favouriteCollections: [String!]!
          favouriteColours: [String!]!
          importantDates: [ProfilesImportantDate!]!
          notes(first: Int = 5): [ProfilesNote!]!
        }
        type ProfilesSize {
          category: String!
          value: String!
        }
        type ProfilesImportantDate {
          kind: String!
          date: String!
        }
        type ProfilesNote {
          id: ID!
          storeId: String!
          author: String!
          text: String!
          createdAt: String!
        }
        type ProfilesBookEntry {
          associateId: String!
          storeId: String!
          role: String!
          since: String!
        }
      `,
      resolvers: {
        Client: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          profile: (ref: { id: string }, _: unknown, ctx: Ctx) => {
            const c = readClient(ref, ctx);
            return {
              id: c.id,
              givenName: `Given${String(c.n)}`,
              familyName: `Family${String(c.n)}`,
              nameAsWritten: c.store === 'SHA-01' ? '李华' : null,
              languages: ['fr', 'en'],
              sizes: [
                { category: 'ready-to-wear', value: '38' },
                { category: 'shoes', value: '39' },
                { category: 'ring', value: '52' },
              ],
              favouriteCollections: ['Héritage', 'Voyage'],
              favouriteColours: ['noir', 'bordeaux'],
              importantDates: [
                { kind: 'birthday', date: '--04-12' },
                { kind: 'anniversary', date: '--09-30' },
              ],
            };
          },
          clientBook: (ref: { id: string }, _: unknown, ctx: Ctx) => {
            const c = readClient(ref, ctx);
            return [
              {
                associateId: c.scope.associateIds?.[0] ?? 'A-0',
                storeId: c.store,
                role: 'primary',
                since: iso(c.n, 200),
              },
            ];
          },
        },
        ProfilesProfile: {
          notes: (p: { id: string }, args: { first: number }, ctx: Ctx) => {
            const c = readClient(p, ctx);
            const principal = requirePrincipal(ctx.principal);
            // A store's private notes are visible within that store's scope only.
            return Array.from({ length: Math.min(args.first, 5) }, (_, k) => ({
              id: `${c.id}-note-${String(k)}`,
              storeId: k === 4 ? 'NYC-01' : c.store,
              author: `A-${String(k)}`,
              text: `Visited the boutique; interested in the new Voyage line, prefers appointments in the morning (${String(k)}).`,
              createdAt: iso(c.n, 100 - k),
            })).filter((note) => canAccess(principal, 'client:read', { storeIds: [note.storeId] }));
          },
        },
      },
    },
    consent: {
      typeDefs: gql`
        ${LINK}
        type Client @key(fields: "id") {
          id: ID!
          consents: [ConsentRecord!]!
        }
        enum ConsentPurpose {
          MARKETING
          PROFILING
          ANALYTICS
          CROSS_BORDER_TRANSFER
        }
        enum ConsentChannel {
          EMAIL
          SMS
          WHATSAPP
          WECHAT
          PHONE
        }
        type ConsentRecord {
          purpose: ConsentPurpose!
          channel: ConsentChannel
          state: String!
          noticeId: String!
          noticeVersion: Int!
          jurisdiction: String!
          recordedAt: String!
        }
      `,
      resolvers: {
        Client: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          consents: (ref: { id: string }, _: unknown, ctx: Ctx) => {
            const c = find(ref.id);
            const principal = requirePrincipal(ctx.principal);
            if (!readable(principal, c)) authorize(principal, 'client:read', c.scope);
            const rows: [string, string | null][] = [
              ['MARKETING', 'EMAIL'],
              ['MARKETING', 'SMS'],
              ['MARKETING', 'WHATSAPP'],
              ['MARKETING', 'WECHAT'],
              ['MARKETING', 'PHONE'],
              ['PROFILING', null],
              ['ANALYTICS', null],
              ['CROSS_BORDER_TRANSFER', null],
            ];
            return rows.map(([purpose, channel], k) => ({
              purpose,
              channel,
              state: (c.n + k) % 3 === 0 ? 'withdrawn' : 'granted',
              noticeId: `notice-${purpose.toLowerCase()}`,
              noticeVersion: 3,
              jurisdiction: c.scope.region ?? 'EU',
              recordedAt: iso(c.n, 50 - k),
            }));
          },
        },
      },
    },
    transactions: {
      typeDefs: gql`
        ${LINK}
        type Client @key(fields: "id") {
          id: ID!
          transactions(last: Int = 20): TransactionConnection
          spend: TransactionSpend
        }
        type TransactionConnection {
          nodes: [Transaction!]!
          totalCount: Int!
        }
        type Transaction {
          id: ID!
          kind: String!
          occurredAt: String!
          storeId: String!
          channel: String!
          total: TransactionMoney!
          lines: [TransactionLine!]!
        }
        type TransactionLine {
          sku: String!
          name: String!
          quantity: Int!
          amount: TransactionMoney!
        }
        type TransactionMoney {
          amountMinor: Int!
          currency: String!
        }
        type TransactionSpend {
          lifetime: TransactionMoney!
          last12Months: TransactionMoney!
          tier: String!
          transactionCount: Int!
        }
      `,
      resolvers: {
        Client: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          transactions: (ref: { id: string }, args: { last: number }, ctx: Ctx) => {
            const c = readClient(ref, ctx);
            const count = Math.max(0, Math.min(args.last, 50));
            const nodes = Array.from({ length: count }, (_, k) => {
              const store = STORES[(c.n + k) % STORES.length] ?? 'PAR-01';
              const lines = [
                {
                  sku: `SKU-${String(1000 + k)}`,
                  name: 'Sac Voyage MM, cuir grainé',
                  quantity: 1,
                  amount: { amountMinor: 245_000 + k * 100, currency: 'EUR' },
                },
                {
                  sku: `SKU-${String(2000 + k)}`,
                  name: 'Carré de soie 90',
                  quantity: 2,
                  amount: { amountMinor: 48_000, currency: 'EUR' },
                },
              ];
              return {
                id: `${c.id}-tx-${String(k)}`,
                kind: k % 9 === 8 ? 'return' : 'sale',
                occurredAt: iso(c.n, k * 3),
                storeId: store,
                channel: k % 4 === 0 ? 'online' : 'boutique',
                total: {
                  amountMinor: lines.reduce((s, l) => s + l.amount.amountMinor * l.quantity, 0),
                  currency: 'EUR',
                },
                lines,
              };
            });
            return { nodes, totalCount: 40 };
          },
          spend: (ref: { id: string }, _: unknown, ctx: Ctx) => {
            const c = readClient(ref, ctx);
            return {
              lifetime: { amountMinor: 6_800_000 + c.n, currency: 'EUR' },
              last12Months: { amountMinor: 5_200_000, currency: 'EUR' },
              tier: c.n % 5 === 0 ? 'VIC' : 'Gold',
              transactionCount: 40,
            };
          },
        },
      },
    },
    recommendations: {
      typeDefs: gql`
        ${LINK}
        type Client @key(fields: "id") {
          id: ID!
          recommendations(first: Int = 10): [Recommendation!]
        }
        type Recommendation {
          sku: String!
          name: String!
          category: String!
          score: Float!
          reasons: [RecommendationReason!]!
        }
        type RecommendationReason {
          kind: String!
          detail: String!
        }
      `,
      resolvers: {
        Client: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          recommendations: (ref: { id: string }, args: { first: number }, ctx: Ctx) => {
            const c = readClient(ref, ctx);
            return Array.from({ length: Math.max(0, Math.min(args.first, 20)) }, (_, k) => ({
              sku: `SKU-${String(3000 + ((c.n + k) % 97))}`,
              name: `Voyage piece ${String(k + 1)}`,
              category: k % 2 === 0 ? 'leather goods' : 'silk',
              score: 0.95 - k * 0.05,
              reasons: [
                { kind: 'affinity', detail: 'bought in the same collection' },
                { kind: 'ladder', detail: 'next step in the category' },
              ],
            }));
          },
        },
      },
    },
  };
}

/** The test subgraphs' SDL (as `services/<name>/schema.graphql` files would hold it). */
export function fixtureSubgraphSdl(): { name: string; url: string; sdl: string }[] {
  return Object.entries(modules(1)).map(([name, def], i) => ({
    name,
    url: `http://localhost:${String(4001 + i)}/graphql`,
    sdl: print(def.typeDefs),
  }));
}

export const FIXTURE_SUBGRAPHS = [
  'identity',
  'profiles',
  'consent',
  'transactions',
  'recommendations',
] as const;

export interface RecordedSubgraphRequest {
  readonly subgraph: string;
  readonly headers: IncomingHttpHeaders;
}

export interface FixtureSubgraphs {
  /** `/graphql` URL of each subgraph, by name. */
  readonly urls: Readonly<Record<string, string>>;
  /** Headers of every request the subgraphs received, in order (tests clear it). */
  readonly received: RecordedSubgraphRequest[];
  close(): Promise<void>;
}

/** Serves the five test subgraphs on free local ports. */
export async function startFixtureSubgraphs(options: {
  readonly verifier: TokenVerifier;
  readonly logger: Logger;
  /** How many clients exist (`client-1` … `client-<n>`). Default 1000. */
  readonly clients?: number;
  readonly only?: readonly (typeof FIXTURE_SUBGRAPHS)[number][];
}): Promise<FixtureSubgraphs> {
  const defs = modules(options.clients ?? 1000);
  const received: RecordedSubgraphRequest[] = [];
  const served: ServedModule[] = [];
  const urls: Record<string, string> = {};
  try {
    for (const name of options.only ?? FIXTURE_SUBGRAPHS) {
      const def = defs[name];
      if (!def) continue;
      const module: ServiceModule = {
        name,
        subgraph: def,
        start: () => Promise.resolve(),
        stop: () => Promise.resolve(),
      };
      const s = await serveModule(module, { verifier: options.verifier, logger: options.logger });
      s.server.prependListener('request', (req: { url?: string; headers: IncomingHttpHeaders }) => {
        if (req.url?.startsWith('/graphql') === true)
          received.push({ subgraph: name, headers: req.headers });
      });
      served.push(s);
      urls[name] = `${s.url}/graphql`;
    }
  } catch (error) {
    await Promise.all(served.map((s) => s.close()));
    throw error;
  }
  return {
    urls,
    received,
    close: async () => {
      await Promise.all(served.map((s) => s.close()));
    },
  };
}

/** The client-view operation of the benchmark and the tests: everything about one client. */
export const CLIENT_VIEW_QUERY = `query ClientView($id: ID!) {
  client(id: $id) {
    id
    homeRegion
    identities { type masked source verified linkedAt }
    profile {
      givenName familyName nameAsWritten languages favouriteCollections favouriteColours
      sizes { category value }
      importantDates { kind date }
      notes(first: 5) { id storeId author text createdAt }
    }
    clientBook { associateId storeId role since }
    consents { purpose channel state noticeId noticeVersion jurisdiction recordedAt }
    transactions(last: 20) {
      totalCount
      nodes {
        id kind occurredAt storeId channel
        total { amountMinor currency }
        lines { sku name quantity amount { amountMinor currency } }
      }
    }
    spend { tier transactionCount lifetime { amountMinor currency } last12Months { amountMinor currency } }
    recommendations(first: 10) { sku name category score reasons { kind detail } }
  }
}
`;
