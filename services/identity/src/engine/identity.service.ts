import {
  identifierKeySubject,
  type DataOf,
  type ClientErased,
  type EventEnvelope,
  type IdentifierRef,
} from '@maison/event-contracts';
import { currentTraceparent, type ServiceContext } from '@maison/runtime';
import type { SqlQueryable } from '@maison/sql';
import { clientTag } from '../projections/projector.js';
import { countClientRows, purgeClients } from '../projections/read-model.js';
import {
  resolveRecord,
  type RecordInput,
  type ResolutionResult,
} from '../resolution/resolve.policy.js';
import {
  HISTORY_TYPES,
  historyEntry,
  simulate,
  type HistoryEntry,
  type SimulationReport,
} from '../resolution/simulation.js';
import {
  eraseClients,
  erasureScope,
  mergeClients,
  unlinkIdentifier,
  unmergeClients,
  type StewardMergeResult,
  type UnmergeResult,
} from '../resolution/steward.policy.js';
import type { DecisionMeta } from '../resolution/unit-of-work.js';
import type { Rules } from '../rules/rule-set.js';
import type { DecisionExecutor } from './executor.js';
import type { IdentityEventStore } from './identity-store.js';

/** Who asked and why: what every decision's envelope records. */
export interface Origin {
  readonly actor: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly traceparent?: string;
  /** Business time of what triggered it (defaults to now). */
  readonly occurredAt?: string;
  readonly instance?: string;
}

export interface ErasureOutcome {
  readonly clientIds: readonly string[];
  readonly suppressed: readonly IdentifierRef[];
  readonly purged: Readonly<Record<string, number>>;
}

/**
 * Identity's use cases over the event store: resolve a record, the stewards' merge, unmerge and
 * unlink, erasure, and the rule simulation. Each decision is taken by the pure policies and
 * committed by the executor in one transaction.
 */
export class IdentityService {
  readonly #ctx: ServiceContext;
  readonly #events: IdentityEventStore;
  readonly #executor: DecisionExecutor;
  readonly #schema: string;
  rules: Rules;

  constructor(deps: {
    readonly ctx: ServiceContext;
    readonly events: IdentityEventStore;
    readonly executor: DecisionExecutor;
    readonly schema: string;
    readonly rules: Rules;
  }) {
    this.#ctx = deps.ctx;
    this.#events = deps.events;
    this.#executor = deps.executor;
    this.#schema = deps.schema;
    this.rules = deps.rules;
  }

  #meta(operation: string, origin: Origin): () => DecisionMeta {
    return () => {
      const now = this.#ctx.clock().toISOString();
      // The trace follows the decision: the consumer's span (or the request's), else the source's.
      const traceparent = currentTraceparent() ?? origin.traceparent;
      return {
        operation,
        occurredAt: origin.occurredAt ?? now,
        recordedAt: now,
        region: this.#ctx.region,
        actor: origin.actor,
        ...(origin.instance === undefined ? {} : { instance: origin.instance }),
        correlationId: origin.correlationId,
        causationId: origin.causationId,
        ...(traceparent === undefined ? {} : { traceparent }),
      };
    };
  }

  /** Resolve-or-register one record (idempotent per trigger). */
  async resolve(input: RecordInput, origin: Origin, tx?: SqlQueryable): Promise<ResolutionResult> {
    const rules = this.rules;
    const decided = await this.#executor.decide(
      {
        identifiers: [...input.references, ...(input.unusable ?? [])],
        records: [input.trigger],
        recordsOnRetry: true,
      },
      this.#meta(input.trigger, {
        ...origin,
        ...(input.storeId === null ? {} : { instance: input.storeId }),
      }),
      (uow) => resolveRecord(uow, rules, input),
      tx === undefined ? {} : { tx },
    );
    return decided.result;
  }

  async merge(
    command: { survivorId: string; mergedId: string; reason: string },
    operation: string,
    origin: Origin,
  ): Promise<StewardMergeResult> {
    const rules = this.rules;
    return (
      await this.#executor.decide(
        { clients: [command.survivorId, command.mergedId] },
        this.#meta(operation, origin),
        (uow) => mergeClients(uow, rules, command),
      )
    ).result;
  }

  async unmerge(
    command: { mergeId: string; reason: string },
    operation: string,
    origin: Origin,
  ): Promise<UnmergeResult> {
    return (
      await this.#executor.decide(
        { merges: [command.mergeId] },
        this.#meta(operation, origin),
        (uow) => unmergeClients(uow, { mergeId: command.mergeId, reason: command.reason }),
      )
    ).result;
  }

  async unlink(
    command: { clientId: string; index: string },
    operation: string,
    origin: Origin,
  ): Promise<IdentifierRef> {
    return (
      await this.#executor.decide(
        {
          clients: [command.clientId],
          identifiers: [{ type: '', index: command.index }],
          suppression: false,
        },
        this.#meta(operation, origin),
        (uow) => unlinkIdentifier(uow, command),
      )
    ).result;
  }

  /**
   * `ClientErased`: suppress every identifier the clients ever had (so nothing links to them from
   * now on), record the erasure (identifiers unlinked, clients forgotten, `ClientDataPurged`) and
   * purge the read models in the same transaction, then shred the clients' keys and the `idx:`
   * key subjects of their identifiers, and drop their cached views.
   */
  async erase(
    event: EventEnvelope<'ClientErased', DataOf<typeof ClientErased>>,
  ): Promise<ErasureOutcome> {
    const d = event.data;
    const request = { clients: [d.clientId, ...d.aliases] };
    const origin: Origin = {
      actor: 'erasure',
      correlationId: event.correlationId,
      causationId: event.id,
      ...(event.traceparent === undefined ? {} : { traceparent: event.traceparent }),
      occurredAt: d.erasedAt,
    };
    const operation = `erasure:${d.requestId}`;
    const scope = (
      await this.#executor.decide(request, this.#meta(operation, origin), (uow) =>
        erasureScope(uow, d),
      )
    ).result;
    for (const ref of scope.identifiers)
      await this.#ctx.privacy.suppress(ref.type, ref.index, `erasure:${d.requestId}`);
    const ids = [...new Set([d.clientId, ...scope.clientIds])];
    const counts = await countClientRows(this.#ctx.database, this.#schema, ids);
    const purged = { ...counts, cache: ids.length };
    const rules = this.rules;
    await this.#executor.decide(
      { ...request, identifiers: scope.identifiers, suppression: false },
      this.#meta(operation, origin),
      (uow) =>
        eraseClients(uow, rules, {
          requestId: d.requestId,
          clientId: d.clientId,
          aliases: d.aliases,
          completedAt: this.#ctx.clock().toISOString(),
          purged,
        }),
      { alsoInTransaction: (tx) => purgeClients(tx, this.#schema, ids) },
    );
    for (const id of ids) await this.#ctx.privacy.shred(id);
    for (const ref of scope.identifiers)
      await this.#ctx.privacy.shred(identifierKeySubject(ref.index));
    await this.#ctx.cache.invalidateTags(ids.map(clientTag));
    return { clientIds: ids, suppressed: scope.identifiers, purged };
  }

  /** The recorded history, as commands to decide again (records decrypted; erased ones skipped). */
  async history(): Promise<HistoryEntry[]> {
    const out: HistoryEntry[] = [];
    for await (const e of this.#events.structural.readAll()) {
      if (!HISTORY_TYPES.has(e.type)) continue;
      const opened = e.type === 'RecordResolved' ? await this.#ctx.privacy.decryptEvent(e) : e;
      const entry = historyEntry(opened);
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }

  /** Dry run of a candidate rule set over the recorded history: nothing is written. */
  async simulate(candidate: Rules): Promise<SimulationReport> {
    const history = await this.history();
    return simulate(() => history, this.rules, candidate);
  }
}
