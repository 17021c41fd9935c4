import type { ScopeFilter } from '@maison/auth';
import { type Region } from '@maison/event-contracts';
import { parsePosition } from '@maison/event-store';
import type { Logger } from '@maison/service-kit';
import type { SqlDatabase } from '@maison/sql';
import type { ProfileCommands } from '../commands.js';
import { eventOf } from '../domain/command-meta.js';
import type { BatchedProjector } from '../projections/batched-projector.js';
import type { ReadModelQueries, ReassignmentRow } from '../queries/read-model.queries.js';
import {
  ClientBookReassignmentCompleted,
  profileReassignmentStream,
  type BookRole,
} from './client-book.events.js';

/**
 * Runs bulk reassignments: the request (`ClientBookReassignmentRequested`) was one event; the
 * worker moves each client of the departing associate with its own `ClientBookAssigned` (the
 * audit trail, per client), then records `ClientBookReassignmentCompleted`. Restart-safe: event ids
 * derive from the reassignment and the client, a client already moved has nothing left to move,
 * and a job whose worker died (no heartbeat for 30 s) is taken over.
 */
export class ReassignmentWorker {
  readonly #db: SqlDatabase;
  readonly #s: string;
  readonly #commands: ProfileCommands;
  readonly #queries: ReadModelQueries;
  readonly #projector: () => BatchedProjector | undefined;
  readonly #logger: Logger;
  readonly #concurrency: number;
  readonly #region: Region;
  readonly #state = { stopped: false };
  #wake: (() => void) | undefined;
  #running: Promise<void> | undefined;

  constructor(options: {
    database: SqlDatabase;
    quotedSchema: string;
    commands: ProfileCommands;
    queries: ReadModelQueries;
    projector: () => BatchedProjector | undefined;
    logger: Logger;
    concurrency: number;
    region: Region;
  }) {
    this.#db = options.database;
    this.#s = options.quotedSchema;
    this.#commands = options.commands;
    this.#queries = options.queries;
    this.#projector = options.projector;
    this.#logger = options.logger;
    this.#concurrency = options.concurrency;
    this.#region = options.region;
  }

  /** Read through a method: stop() flips it while the loop awaits. */
  #isStopped(): boolean {
    return this.#state.stopped;
  }

  start(): void {
    this.#state.stopped = false;
    this.#running = this.#loop();
  }

  nudge(): void {
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#state.stopped = true;
    this.#wake?.();
    await this.#running;
  }

  async #pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
  }

  async #loop(): Promise<void> {
    while (!this.#state.stopped) {
      try {
        const job = await this.#claim();
        if (job === undefined) await this.#pause(250);
        else await this.#run(job);
      } catch (error) {
        if (this.#isStopped()) return;
        this.#logger.error({ err: error }, 'reassignment failed; retrying');
        await this.#pause(1_000);
      }
    }
  }

  async #claim(): Promise<ReassignmentRow | undefined> {
    const rows = await this.#db.query<{ reassignment_id: string }>(
      `UPDATE ${this.#s}.reassignments SET status = 'running', heartbeat = now()
        WHERE reassignment_id = (
          SELECT reassignment_id FROM ${this.#s}.reassignments
           WHERE status IN ('pending', 'running') AND (heartbeat IS NULL OR heartbeat < now() - interval '30 seconds')
           ORDER BY requested_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING reassignment_id::text AS reassignment_id`,
    );
    const id = rows[0]?.reassignment_id;
    return id === undefined ? undefined : this.#queries.reassignment(this.#db, id);
  }

  #scopeSql(scope: unknown): ScopeFilter {
    const s = scope as
      { kind: 'all' } | { kind: 'stores'; storeIds: string[] } | { kind: 'region'; region: Region };
    return s;
  }

  async #run(job: ReassignmentRow): Promise<void> {
    // The book read model must include everything written before the request.
    const started = Date.now();
    await this.#projector()?.reached(parsePosition(job.request_position), 120_000);
    const caughtUp = Date.now();
    const scope = this.#scopeSql(job.scope);
    const sql = this.#queries.sql();
    const from = sql.param(job.from_associate_id);
    const roles = sql.param(job.roles);
    const inScope = sql.scope(scope, this.#region);
    const rows = await this.#db.query<{ client_id: string }>(
      `SELECT DISTINCT p.client_id FROM ${this.#s}.book_assignments b JOIN ${this.#s}.profiles p ON p.client_id = b.client_id
        WHERE b.associate_id = ${from} AND b.role = ANY(${roles}::text[]) AND ${inScope} AND ${sql.notAlias()}
        ORDER BY p.client_id`,
      sql.params,
    );
    const clients = rows.map((r) => r.client_id);
    if (job.total === null)
      await this.#db.query(
        `UPDATE ${this.#s}.reassignments SET total = $2 WHERE reassignment_id = $1 AND total IS NULL`,
        [job.reassignment_id, clients.length],
      );
    let moved = job.moved;
    let skipped = job.skipped;
    let next = 0;
    const cause = { id: job.reassignment_id, correlationId: job.reassignment_id };
    const one = async (clientId: string): Promise<void> => {
      const result = await this.#commands.book(clientId, {
        type: 'ReassignClient',
        meta: this.#commands.derivedMeta(
          `reassign:${job.reassignment_id}:${clientId}`,
          job.requested_by,
          cause,
        ),
        reassignmentId: job.reassignment_id,
        fromAssociateId: job.from_associate_id,
        toAssociateId: job.to_associate_id,
        toStoreId: job.to_store_id,
        roles: job.roles as BookRole[],
        requestedBy: job.requested_by,
        reason: job.reason,
      });
      if (result.events.length > 0) moved++;
      else skipped++;
    };
    const lane = async (): Promise<void> => {
      for (;;) {
        if (this.#state.stopped) return;
        const i = next++;
        const clientId = clients[i];
        if (clientId === undefined) return;
        await one(clientId);
        if (i % 250 === 249) await this.#progress(job.reassignment_id, moved, skipped);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.#concurrency) }, lane));
    await this.#progress(job.reassignment_id, moved, skipped);
    if (this.#isStopped()) return;
    this.#logger.info(
      {
        reassignmentId: job.reassignment_id,
        clients: clients.length,
        moved,
        skipped,
        waitMs: caughtUp - started,
        moveMs: Date.now() - caughtUp,
      },
      'reassignment moved its clients',
    );
    const meta = this.#commands.derivedMeta(
      `reassign:${job.reassignment_id}:completed`,
      job.requested_by,
      cause,
    );
    await this.#commands.append(profileReassignmentStream(job.reassignment_id), [
      eventOf(
        meta,
        0,
        ClientBookReassignmentCompleted.type,
        { streamId: profileReassignmentStream(job.reassignment_id), subjectId: null },
        {
          reassignmentId: job.reassignment_id,
          fromAssociateId: job.from_associate_id,
          toAssociateId: job.to_associate_id,
          moved,
          skipped,
          completedAt: meta.now,
        },
      ),
    ]);
    await this.#db.query(
      `UPDATE ${this.#s}.reassignments SET status = 'completing', heartbeat = now() WHERE reassignment_id = $1 AND status = 'running'`,
      [job.reassignment_id],
    );
  }

  async #progress(id: string, moved: number, skipped: number): Promise<void> {
    await this.#db.query(
      `UPDATE ${this.#s}.reassignments SET moved = $2, skipped = $3, heartbeat = now() WHERE reassignment_id = $1 AND status = 'running'`,
      [id, moved, skipped],
    );
  }
}
