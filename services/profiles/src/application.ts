import {
  authorize,
  canAccess,
  requireRole,
  scopeFilter,
  type Principal,
  type ResourceScope,
} from '@maison/auth';
import { getOrLoad, type JsonValue } from '@maison/cache';
import type { ClientDirectory } from '@maison/client-directory';
import {
  ClientBookReassignmentRequested,
  newEventId,
  profileReassignmentStream,
  type NoteVisibility,
} from '@maison/event-contracts';
import type { ServiceContext } from '@maison/runtime';
import { ForbiddenError, NotFoundError, ValidationError } from '@maison/service-kit';
import type { SqlQueryable } from '@maison/sql';
import {
  actorOf,
  assertMayAssignAt,
  canSeeNote,
  noteStore,
  seesProvenance,
  seesRestricted,
} from './access.js';
import type { BookRole } from './client-book/client-book.events.js';
import type { ClientBookState } from './client-book/client-book.state.js';
import type { ProfileCommands } from './commands.js';
import { REGION_TIME_ZONES, type ProfilesConfig } from './config.js';
import { eventOf } from './domain/command-meta.js';
import {
  candidateDayKeys,
  sortUpcoming,
  upcoming,
  type UpcomingOccasion,
} from './occasions/occasions.js';
import type { FieldWrite } from './profile/profile.decider.js';
import { documentOf, type ProfileDocument } from './projections/profile-document.js';
import {
  checkFirst,
  encodeCursor,
  type ReadModelQueries,
  type ProfileRow,
  type Sql,
} from './queries/read-model.queries.js';
import { assertRecorded, ingestRecord } from './records/record-ingest.js';
import {
  bookView,
  historyView,
  noteView,
  profileView,
  reassignmentView,
  type ClientBookView,
  type ProfileView,
} from './views.js';
import type { Region } from '@maison/event-contracts';
import type { ScopeFilter } from '@maison/auth';

const DAY_MS = 86_400_000;

export interface ClientAccess {
  readonly clientId: string;
  readonly scope: ResourceScope & { readonly exists: boolean };
}

export interface ClientPage {
  readonly edges: readonly {
    cursor: string;
    node: { id: string; row: ProfileRow; scope: ClientAccess['scope'] };
  }[];
  readonly pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

function checkDays(days: number, max = 3660): number {
  if (!Number.isInteger(days) || days < 1 || days > max)
    throw new ValidationError(`days must be from 1 to ${String(max)}.`, [
      { pointer: '/days', detail: `must be an integer from 1 to ${String(max)}` },
    ]);
  return days;
}

function checkId(value: string, pointer: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/.test(value))
    throw new ValidationError('Invalid identifier.', [
      { pointer, detail: 'must be 1-200 letters, digits or . _ : @ -' },
    ]);
  return value;
}

/**
 * The service's use cases, shared by REST and GraphQL: each checks the caller with `@maison/auth`
 * first, resolves a merged client id to its survivor, and reads from the read models or writes
 * through the deciders.
 */
export class ProfilesApp {
  readonly #ctx: ServiceContext;
  readonly #commands: ProfileCommands;
  readonly #queries: ReadModelQueries;
  readonly #directory: ClientDirectory;
  readonly #config: ProfilesConfig;
  readonly #onReassignment: () => void;

  constructor(deps: {
    ctx: ServiceContext;
    commands: ProfileCommands;
    queries: ReadModelQueries;
    directory: ClientDirectory;
    config: ProfilesConfig;
    onReassignment: () => void;
  }) {
    this.#ctx = deps.ctx;
    this.#commands = deps.commands;
    this.#queries = deps.queries;
    this.#directory = deps.directory;
    this.#config = deps.config;
    this.#onReassignment = deps.onReassignment;
  }

  get #db(): SqlQueryable {
    return this.#ctx.database;
  }

  #storeRegion = (storeId: string): Region | undefined => this.#config.stores[storeId]?.region;

  /** The survivor of `clientId` and where it belongs; 404 for an erased client. */
  async access(clientId: string): Promise<ClientAccess> {
    checkId(clientId, '/clientId');
    const id = await this.#directory.canonical(this.#db, clientId);
    await this.#commands.assertNotErased(this.#db, id);
    return { clientId: id, scope: await this.#queries.clientScope(this.#db, id) };
  }

  /**
   * The read models lag the store by a few milliseconds: when they deny access (or know nothing),
   * look at the client's own stream, so an associate assigned a moment ago can work at once.
   */
  async #confirmed(
    principal: Principal,
    permission: 'client:read' | 'client:write',
    access: ClientAccess,
  ): Promise<ClientAccess> {
    if (access.scope.exists && canAccess(principal, permission, access.scope)) return access;
    const fresh = await this.#commands.loadClient(access.clientId);
    if (fresh.events === 0) return access;
    const home = fresh.profile.effective.homeStoreId?.value;
    const region = fresh.profile.effective.homeRegion?.value;
    const associates = [fresh.book.primary, ...fresh.book.secondaries].filter((a) => a !== null);
    const scope = {
      exists: true,
      region:
        typeof region === 'string' ? (region as Region) : (access.scope.region ?? this.#ctx.region),
      associateIds: [
        ...new Set([...(access.scope.associateIds ?? []), ...associates.map((a) => a.associateId)]),
      ],
      storeIds: [
        ...new Set([
          ...(access.scope.storeIds ?? []),
          ...associates.map((a) => a.storeId),
          ...fresh.book.stores.map((s) => s.storeId),
          ...(typeof home === 'string' ? [home] : []),
        ]),
      ],
    };
    return { clientId: access.clientId, scope };
  }

  /** May read the client: 403 otherwise; a client profiles has no data about is undefined. */
  async readable(principal: Principal, clientId: string): Promise<ClientAccess | undefined> {
    authorize(principal, 'client:read');
    const access = await this.#confirmed(principal, 'client:read', await this.access(clientId));
    if (!access.scope.exists) return undefined;
    authorize(principal, 'client:read', access.scope);
    return access;
  }

  async writable(principal: Principal, clientId: string): Promise<ClientAccess> {
    authorize(principal, 'client:write');
    const access = await this.#confirmed(principal, 'client:write', await this.access(clientId));
    authorize(principal, 'client:write', access.scope);
    return access;
  }

  visibility(principal: Principal, scope: ResourceScope) {
    return { restricted: seesRestricted(principal, scope), provenance: seesProvenance(principal) };
  }

  viewOf(
    principal: Principal,
    access: ClientAccess,
    doc: ProfileDocument,
    updatedAt: string | null,
  ): ProfileView {
    return profileView(
      access.clientId,
      doc,
      this.visibility(principal, access.scope),
      this.#config.stores,
      updatedAt,
    );
  }

  /**
   * The profile row through the cache (Redis in production): tagged `client:<id>`, dropped by the
   * projection after every change it commits and by the erasure, bounded by `cacheTtlMs`.
   */
  async #row(clientId: string): Promise<ProfileRow | undefined> {
    const cached = await getOrLoad(
      this.#ctx.cache,
      `profile:${clientId}`,
      async () =>
        ((await this.#queries.profile(this.#db, clientId)) ?? null) as unknown as JsonValue,
      {
        ttlMs: this.#config.cacheTtlMs,
        tags: [`client:${clientId}`],
        decode: (v) =>
          v === null || (typeof v === 'object' && !Array.isArray(v) && 'client_id' in v)
            ? v
            : undefined,
        onCacheError: (error) => {
          this.#ctx.logger.warn({ err: error }, 'profile cache bypassed');
        },
      },
    );
    return cached === null ? undefined : (cached as unknown as ProfileRow);
  }

  async profile(principal: Principal, clientId: string): Promise<ProfileView | undefined> {
    const access = await this.readable(principal, clientId);
    if (access === undefined) return undefined;
    const row = await this.#row(access.clientId);
    return this.viewOf(principal, access, row?.fields ?? {}, row?.updated_at ?? null);
  }

  /** A row of a list this subgraph answered (its scope loaded with the page). */
  profileFromRow(principal: Principal, row: ProfileRow, scope: ClientAccess['scope']): ProfileView {
    const access: ClientAccess = { clientId: row.client_id, scope };
    authorize(principal, 'client:read', access.scope);
    return this.viewOf(principal, access, row.fields, row.updated_at);
  }

  /** Writes fields by hand: associates and managers as `associate`, admins (data stewards) as `steward`. */
  async updateProfile(
    principal: Principal,
    clientId: string,
    writes: readonly FieldWrite[],
    requestId: string,
  ): Promise<{ profile: ProfileView; changed: string[] }> {
    const access = await this.writable(principal, clientId);
    const result = await this.#commands.profile(access.clientId, {
      type: 'UpdateProfileFields',
      meta: this.#commands.requestMeta(actorOf(principal), requestId),
      writes,
      sourceKind: principal.role === 'admin' ? 'steward' : 'associate',
    });
    const changed = result.events.flatMap((e) =>
      (e.data as { changes: { field: string }[] }).changes.map((c) => c.field),
    );
    return {
      profile: this.viewOf(
        principal,
        access,
        documentOf(result.state.effective),
        this.#ctx.clock().toISOString(),
      ),
      changed,
    };
  }

  async notes(principal: Principal, clientId: string, visibility?: NoteVisibility) {
    const access = await this.readable(principal, clientId);
    if (access === undefined) return [];
    const ids = await this.#directory.aliasesOf(this.#db, access.clientId);
    const rows = await this.#queries.notes(this.#db, ids);
    return rows
      .filter(
        (n) =>
          (visibility === undefined || n.visibility === visibility) &&
          canSeeNote(principal, n, this.#storeRegion),
      )
      .map(noteView);
  }

  async addNote(
    principal: Principal,
    clientId: string,
    input: { text: string; visibility: NoteVisibility; storeId?: string | undefined },
    requestId: string,
  ) {
    const access = await this.writable(principal, clientId);
    const storeId = noteStore(principal, input.storeId);
    if (input.visibility === 'store' && storeId === null)
      throw new ValidationError('A store note needs a store.', [
        { pointer: '/storeId', detail: 'is required for store visibility' },
      ]);
    const noteId = newEventId();
    const meta = this.#commands.requestMeta(actorOf(principal), requestId);
    const result = await this.#commands.profile(access.clientId, {
      type: 'AddProfileNote',
      meta,
      noteId,
      authorId: actorOf(principal),
      storeId,
      visibility: input.visibility,
      text: input.text,
    });
    const text = (result.events[0]?.data as { text?: unknown } | undefined)?.text;
    return noteView({
      note_id: noteId,
      client_id: access.clientId,
      author_id: actorOf(principal),
      store_id: storeId,
      visibility: input.visibility,
      text: typeof text === 'string' ? text : input.text,
      created_at: meta.now,
    });
  }

  async clientBook(principal: Principal, clientId: string): Promise<ClientBookView | undefined> {
    const access = await this.readable(principal, clientId);
    if (access === undefined) return undefined;
    return bookView(
      access.clientId,
      await this.#queries.assignments(this.#db, access.clientId),
      await this.#queries.bookStores(this.#db, access.clientId),
    );
  }

  async bookHistory(principal: Principal, clientId: string, first: number) {
    if (!seesProvenance(principal))
      throw new ForbiddenError('The ownership history is for managers.');
    const access = await this.readable(principal, clientId);
    if (access === undefined) return [];
    return historyView(
      await this.#queries.history(this.#db, access.clientId, checkFirst(first, 500)),
    );
  }

  #bookOf(clientId: string, state: ClientBookState): ClientBookView {
    const owner = (a: NonNullable<ClientBookState['primary']>) => ({
      associateId: a.associateId,
      storeId: a.storeId,
      since: a.since,
      assignedBy: a.assignedBy,
      policy: a.policy === null ? null : `${a.policy.id}@${a.policy.version}`,
    });
    return {
      clientId,
      primary: state.primary ? owner(state.primary) : null,
      secondary: state.secondaries.map(owner),
      stores: state.stores.map((s) => ({ storeId: s.storeId, since: s.since })),
    };
  }

  async assign(
    principal: Principal,
    clientId: string,
    input: { associateId: string; storeId: string; role: BookRole; reason?: string | undefined },
    requestId: string,
  ): Promise<ClientBookView> {
    checkId(input.associateId, '/associateId');
    checkId(input.storeId, '/storeId');
    const access = await this.writable(principal, clientId);
    assertMayAssignAt(principal, input.storeId, this.#storeRegion(input.storeId));
    const result = await this.#commands.book(access.clientId, {
      type: 'AssignClient',
      meta: this.#commands.requestMeta(actorOf(principal), requestId),
      role: input.role,
      associateId: input.associateId,
      storeId: input.storeId,
      ...(input.reason === undefined ? {} : { reason: input.reason }),
    });
    return this.#bookOf(access.clientId, result.state);
  }

  async unassign(
    principal: Principal,
    clientId: string,
    associateId: string,
    reason: string,
    requestId: string,
  ): Promise<ClientBookView> {
    const access = await this.writable(principal, clientId);
    if (principal.role === 'compliance' || principal.role === 'integration')
      throw new ForbiddenError('Your role cannot change client books.');
    const result = await this.#commands.book(access.clientId, {
      type: 'UnassignClient',
      meta: this.#commands.requestMeta(actorOf(principal), requestId),
      associateId: checkId(associateId, '/associateId'),
      reason: reason.trim().slice(0, 300) || 'unassigned',
    });
    return this.#bookOf(access.clientId, result.state);
  }

  async addBookStore(
    principal: Principal,
    clientId: string,
    storeId: string,
    requestId: string,
  ): Promise<ClientBookView> {
    checkId(storeId, '/storeId');
    const access = await this.writable(principal, clientId);
    assertMayAssignAt(principal, storeId, this.#storeRegion(storeId));
    const result = await this.#commands.book(access.clientId, {
      type: 'AddBookStore',
      meta: this.#commands.requestMeta(actorOf(principal), requestId),
      storeId,
    });
    return this.#bookOf(access.clientId, result.state);
  }

  async removeBookStore(
    principal: Principal,
    clientId: string,
    storeId: string,
    reason: string,
    requestId: string,
  ): Promise<ClientBookView> {
    const access = await this.writable(principal, clientId);
    assertMayAssignAt(principal, storeId, this.#storeRegion(storeId));
    const result = await this.#commands.book(access.clientId, {
      type: 'RemoveBookStore',
      meta: this.#commands.requestMeta(actorOf(principal), requestId),
      storeId,
      reason: reason.trim().slice(0, 300) || 'removed',
    });
    return this.#bookOf(access.clientId, result.state);
  }

  /**
   * One request moves a departing associate's whole book (within the caller's scope) to another
   * associate; the work runs in the background, each client audited by its own event.
   */
  async requestReassignment(
    principal: Principal,
    input: {
      fromAssociateId: string;
      toAssociateId: string;
      toStoreId: string;
      roles: readonly BookRole[];
      reason: string;
    },
    requestId: string,
  ) {
    requireRole(principal, 'store_manager', 'regional_manager', 'admin');
    checkId(input.fromAssociateId, '/fromAssociateId');
    checkId(input.toAssociateId, '/toAssociateId');
    checkId(input.toStoreId, '/toStoreId');
    if (input.fromAssociateId === input.toAssociateId)
      throw new ValidationError('Reassign to another associate.', [
        { pointer: '/toAssociateId', detail: 'must differ from fromAssociateId' },
      ]);
    const reason = input.reason.trim();
    if (reason.length === 0 || reason.length > 300)
      throw new ValidationError('Give a reason.', [
        { pointer: '/reason', detail: 'must be 1 to 300 characters' },
      ]);
    const roles = [...new Set(input.roles)];
    if (roles.length === 0)
      throw new ValidationError('Name the roles to move.', [
        { pointer: '/roles', detail: 'must not be empty' },
      ]);
    assertMayAssignAt(principal, input.toStoreId, this.#storeRegion(input.toStoreId));
    const filter = scopeFilter(principal, 'client:write');
    const scope =
      filter.kind === 'stores'
        ? { kind: 'stores' as const, storeIds: [...filter.storeIds] }
        : filter.kind === 'region'
          ? { kind: 'region' as const, region: filter.region }
          : { kind: 'all' as const };
    const reassignmentId = newEventId();
    const meta = this.#commands.requestMeta(actorOf(principal), requestId);
    const stream = { streamId: profileReassignmentStream(reassignmentId), subjectId: null };
    await this.#commands.append(stream.streamId, [
      eventOf(meta, 0, ClientBookReassignmentRequested.type, stream, {
        reassignmentId,
        fromAssociateId: input.fromAssociateId,
        toAssociateId: input.toAssociateId,
        toStoreId: input.toStoreId,
        roles,
        requestedBy: actorOf(principal),
        reason,
        scope,
      }),
    ]);
    this.#onReassignment();
    return {
      id: reassignmentId,
      status: 'pending',
      fromAssociateId: input.fromAssociateId,
      toAssociateId: input.toAssociateId,
      toStoreId: input.toStoreId,
      roles,
      requestedBy: actorOf(principal),
      requestedAt: meta.now,
      reason,
      total: null,
      moved: 0,
      skipped: 0,
      completedAt: null,
    };
  }

  async reassignment(principal: Principal, id: string) {
    requireRole(principal, 'store_manager', 'regional_manager', 'admin');
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const row = await this.#queries.reassignment(this.#db, id);
    if (row === undefined) return undefined;
    if (
      principal.role === 'store_manager' &&
      !principal.storeIds.includes(row.to_store_id) &&
      row.requested_by !== actorOf(principal)
    )
      throw new ForbiddenError('This reassignment is not for your store.');
    if (
      principal.role === 'regional_manager' &&
      this.#storeRegion(row.to_store_id) !== principal.region &&
      row.requested_by !== actorOf(principal)
    )
      throw new ForbiddenError('This reassignment is not for your region.');
    return reassignmentView(row);
  }

  async #page(rows: { rows: readonly ProfileRow[]; hasNextPage: boolean }): Promise<ClientPage> {
    const scopes = await this.#queries.clientScopes(
      this.#db,
      rows.rows.map((r) => r.client_id),
    );
    const edges = rows.rows.map((row, i) => ({
      cursor: encodeCursor(row.client_id),
      node: {
        id: row.client_id,
        row,
        scope: scopes[i] ?? { exists: true, storeIds: [], associateIds: [] },
      },
    }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  /** The caller's client book: an associate's own, a store manager's stores', a region's, or all. */
  #book(principal: Principal): (sql: Sql) => string {
    authorize(principal, 'client:read');
    const filter = scopeFilter(principal, 'client:read');
    return (sql) => sql.book(filter, this.#ctx.region);
  }

  #scope(principal: Principal): (sql: Sql) => string {
    authorize(principal, 'client:read');
    const filter = scopeFilter(principal, 'client:read');
    return (sql) => sql.scope(filter, this.#ctx.region);
  }

  async myClients(
    principal: Principal,
    args: { first: number; after?: string | undefined; search?: string | undefined },
  ): Promise<ClientPage> {
    const build = this.#book(principal);
    return await this.#page(
      await this.#queries.listClients(this.#db, build, { ...args, first: checkFirst(args.first) }),
    );
  }

  async searchClients(
    principal: Principal,
    args: { search: string; first: number; after?: string | undefined },
  ): Promise<ClientPage> {
    const build = this.#scope(principal);
    return await this.#page(
      await this.#queries.listClients(this.#db, build, { ...args, first: checkFirst(args.first) }),
    );
  }

  /** Important dates of the caller's book in the next `days` days, on each client's calendar. */
  async upcomingOccasions(
    principal: Principal,
    days: number,
    first: number,
  ): Promise<(UpcomingOccasion & { years: number | null })[]> {
    const build = this.#book(principal);
    checkDays(days, 366);
    checkFirst(first, 500);
    const now = this.#ctx.clock();
    const rows = await this.#queries.occasionCandidates(
      this.#db,
      build,
      candidateDayKeys(now, days, this.#config.leapDay),
    );
    const list: UpcomingOccasion[] = [];
    for (const r of rows) {
      const region = (r.home_region as Region | null) ?? this.#ctx.region;
      const timeZone = r.time_zone ?? REGION_TIME_ZONES[region];
      const u = upcoming(
        {
          clientId: r.client_id,
          kind: r.kind,
          label: r.label,
          day: r.day,
          month: r.month,
          year: r.year,
          timeZone,
        },
        now,
        days,
        this.#config.leapDay,
      );
      if (u) list.push(u);
    }
    return sortUpcoming(list).slice(0, first);
  }

  async lapsedClients(principal: Principal, days: number, first: number) {
    const build = this.#book(principal);
    checkDays(days);
    checkFirst(first, 500);
    const now = this.#ctx.clock();
    const cutoff = new Date(now.getTime() - days * DAY_MS).toISOString();
    const rows = await this.#queries.lapsed(this.#db, build, cutoff, first);
    return rows.map((r) => ({
      clientId: r.client_id,
      lastPurchaseAt: r.last_purchase_at,
      lastStoreId: r.last_store_id,
      daysSinceLastPurchase: Math.floor((now.getTime() - Date.parse(r.last_purchase_at)) / DAY_MS),
    }));
  }

  /** Clients from another home region who bought in the caller's stores (or region) lately. */
  async visitingClients(principal: Principal, days: number, first: number) {
    const build = this.#scope(principal);
    checkDays(days);
    checkFirst(first, 500);
    const filter: ScopeFilter = scopeFilter(principal, 'client:read');
    const where =
      filter.kind === 'book_or_store' || filter.kind === 'stores'
        ? { stores: filter.storeIds }
        : filter.kind === 'region'
          ? { region: filter.region }
          : {};
    const since = new Date(this.#ctx.clock().getTime() - days * DAY_MS).toISOString();
    const rows = await this.#queries.visiting(this.#db, build, where, since, first);
    return rows.map((r) => ({
      clientId: r.client_id,
      homeRegion: r.home_region,
      visitedRegion: r.region,
      storeId: r.store_id,
      lastVisitAt: r.occurred_at,
    }));
  }

  /** REST ingestion (integration tokens): the same path as ingest.profiles.v1. */
  async ingest(principal: Principal, body: unknown) {
    authorize(principal, 'ingest:write');
    const outcome = await ingestRecord(this.#ctx, this.#commands, this.#config.stores, body);
    assertRecorded(outcome);
    return outcome.kind === 'recorded'
      ? { status: 'recorded', recordId: outcome.recordId }
      : { status: 'suppressed' };
  }

  notFound(): never {
    throw new NotFoundError('No such client.');
  }
}
