import { authorize, type Principal } from '@maison/auth';
import { newEventId, type Region } from '@maison/event-contracts';
import type { EventStore } from '@maison/event-store';
import { ValidationError } from '@maison/service-kit';
import type { SqlDatabase } from '@maison/sql';
import { z } from 'zod';
import { decidePersonalisation } from './engine/personalisation.js';
import { rank, type RecommendationList } from './engine/recommend.js';
import type { RecommendationsQueries } from './projections/recommendations.query.js';
import { decideServed } from './served/served.decider.js';
import { initialServedState } from './served/served.state.js';

export interface RecommendOptions {
  readonly first?: number | null;
  readonly category?: string | null;
}

export interface ServedRecommendations extends RecommendationList {
  readonly clientId: string;
  readonly modelVersion: string;
}

export const MAX_FIRST = 50;

const optionsSchema = z.strictObject({
  first: z.number().int().min(1).max(MAX_FIRST).nullish(),
  category: z.string().trim().min(1).max(100).nullish(),
});
const clientIdSchema = z.string().min(1).max(200);

/** Validates the caller's input: bad input is a 400 / BAD_USER_INPUT, never a 500. */
export function parseRequest(
  clientId: unknown,
  options: unknown,
): { clientId: string; first: number; category: string | null } {
  const id = clientIdSchema.safeParse(clientId);
  const o = optionsSchema.safeParse(options);
  const errors = [
    ...(id.success ? [] : [{ pointer: '/clientId', detail: 'must be 1 to 200 characters' }]),
    ...(o.success
      ? []
      : o.error.issues.map((i) => ({
          pointer: `/${i.path.map(String).join('/')}`,
          detail:
            i.path[0] === 'first'
              ? `must be an integer from 1 to ${String(MAX_FIRST)}`
              : 'must be 1 to 100 characters',
        }))),
  ];
  if (!id.success || !o.success) throw new ValidationError('The request is invalid.', errors);
  return { clientId: id.data, first: o.data.first ?? 10, category: o.data.category ?? null };
}

export interface RecommenderDeps {
  readonly database: SqlDatabase;
  readonly queries: RecommendationsQueries;
  readonly store: EventStore;
  readonly region: Region;
  readonly clock: () => Date;
  readonly recordServed: boolean;
  /** The model version of a generation. */
  readonly modelVersion: (generation: number) => string;
  readonly onServedError?: (error: unknown) => void;
}

/** Where non-personalised best sellers come from: the caller's boutique, else the deployment's region. */
function callerScopes(principal: Principal, region: Region): string[] {
  switch (principal.role) {
    case 'associate':
    case 'store_manager':
      return [
        ...principal.storeIds.slice(0, 1).map((s) => `store:${s}`),
        `region:${region}`,
        'all',
      ];
    case 'regional_manager':
      return [`region:${principal.region}`, 'all'];
    case 'admin':
    case 'compliance':
    case 'integration':
      return [`region:${region}`, 'all'];
    default: {
      const never: never = principal;
      return never;
    }
  }
}

/**
 * One request: resolve the client (merges), authorize the caller on the client's scope, decide
 * personalisation from the latest profiling consent, gather the model's view and rank.
 */
export class Recommender {
  readonly #d: RecommenderDeps;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(deps: RecommenderDeps) {
    this.#d = deps;
  }

  /** Waits for the RecommendationsServed records still being appended. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async recommend(
    principal: Principal,
    requested: { clientId: string; first: number; category: string | null },
    meta: { requestId?: string } = {},
  ): Promise<ServedRecommendations> {
    const { database: db, queries } = this.#d;
    const view = await queries.client(db, requested.clientId);
    authorize(principal, 'client:read', view.scope);
    const now = this.#d.clock();
    const decision = decidePersonalisation(view.consents, now);
    const summary = view.summary;
    const modelVersion = this.#d.modelVersion(view.generation);

    const owned = [...summary.items.values()];
    const categories = [...new Set(owned.map((i) => i.category))].sort();
    const collections = [
      ...new Set(owned.flatMap((i) => (i.collection === null ? [] : [i.collection]))),
    ].sort();
    const homeScopes = [
      ...(view.homeStoreId ? [`store:${view.homeStoreId}`] : []),
      ...(view.homeRegion ? [`region:${view.homeRegion}`] : []),
    ];
    const personal = decision.allowed;
    const scopes = personal ? [...homeScopes, 'all'] : callerScopes(principal, this.#d.region);
    const poolScope = view.homeRegion ? `region:${view.homeRegion}` : 'all';

    const [neighbours, ladder, pool, bestSellers] = await Promise.all([
      personal
        ? queries.neighbours(
            db,
            owned.map((i) => i.sku),
          )
        : Promise.resolve([]),
      personal ? queries.ladder(db, categories) : Promise.resolve([]),
      personal && owned.length > 0
        ? queries
            .pool(db, poolScope, categories, collections)
            .then((p) =>
              p.length > 0 || poolScope === 'all'
                ? p
                : queries.pool(db, 'all', categories, collections),
            )
        : Promise.resolve([]),
      queries.bestSellers(db, scopes),
    ]);
    const candidates = [
      ...neighbours.map((n) => n.sku),
      ...pool.map((p) => p.sku),
      ...bestSellers.flatMap((l) => l.sellers.map((s) => s.sku)),
    ];
    const [items, available] = await Promise.all([
      queries.items(db, candidates),
      queries.availability(
        db,
        candidates,
        view.homeRegion ?? this.#d.region,
        view.catalogueConfigured,
      ),
    ]);
    const list = rank({
      first: requested.first,
      category: requested.category,
      notPersonalisedBecause: decision.allowed ? null : decision.because,
      summary,
      neighbours,
      ladder,
      pool,
      bestSellers,
      homeKnown: homeScopes.length > 0,
      items,
      available: available ?? (() => true),
    });
    if (this.#d.recordServed) {
      const id = newEventId();
      const [event] = decideServed(
        {
          type: 'RecordServed',
          clientId: view.clientId,
          personalised: list.personalised,
          skus: list.items.map((i) => i.sku),
          modelVersion,
          at: now.toISOString(),
          eventId: id,
          correlationId: meta.requestId ?? id,
          actor: principal.subject,
          region: this.#d.region,
        },
        initialServedState(),
      );
      // Recorded off the request path: the answer does not wait for the store. A failure is
      // logged (the list was shown all the same); `drain()` awaits what is in flight at shutdown.
      if (event) {
        const appended = this.#d.store
          .append(event.streamId, [event], { expectedRevision: 'any' })
          .then(
            () => undefined,
            (error: unknown) => {
              this.#d.onServedError?.(error);
            },
          )
          .finally(() => this.#inFlight.delete(appended));
        this.#inFlight.add(appended);
      }
    }
    return { ...list, clientId: view.clientId, modelVersion };
  }
}
