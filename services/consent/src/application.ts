import type { Principal, ResourceScope } from '@maison/auth';
import { getOrLoad } from '@maison/cache';
import type { ClientDirectory } from '@maison/client-directory';
import {
  deterministicEventId,
  identifierKeySubject,
  newEventId,
  uuidV5,
  MAISON_EVENT_NAMESPACE,
  type CustomerReferenceData,
  type EventEnvelope,
  type EventSource,
  type IdentifierRef,
  type Region,
} from '@maison/event-contracts';
import { ConcurrencyError, DuplicateEventError, handleCommand } from '@maison/event-store';
import { normaliseReferences, type ServiceContext, type ServiceEventStore } from '@maison/runtime';
import { ConflictError, NotFoundError, parseInput, ValidationError } from '@maison/service-kit';
import { quoteIdent, type SqlQueryable } from '@maison/sql';
import {
  consentDecider,
  decide as decideConsent,
  type ConsentCommand,
  type NoticeFact,
} from './consent/consent.decider.js';
import { consentStream } from './consent/consent.events.js';
import { evolve, initialState, type ConsentRecord } from './consent/consent.state.js';
import {
  consentEvidenceInput,
  type ConsentEvidenceInput,
  type EvidenceStrength,
} from './consent/evidence.js';
import type { Ledger } from './ledger/ledger.js';
import { noticeDecider, type PublishNoticeVersion } from './notice/notice.decider.js';
import { noticeStream } from './notice/notice.events.js';
import { pendingDecider } from './pending/pending.decider.js';
import { pendingStream, type ConsentEvidencePendingData } from './pending/pending.events.js';
import { canProcess, type Decision, type ProcessRequest } from './policy/can-process.js';
import type { PolicySet } from './policy/policies.js';
import { decodeTcString, tcfEvidence } from './sources/tcf.js';

export const SCHEMA = 'consent';

/** What a client's consents look like to readers: the ledger state of the client and its merged ids. */
export interface ClientView {
  readonly clientId: string;
  readonly ids: readonly string[];
  readonly records: readonly ConsentRecord[];
  readonly erasedAt: string | null;
  readonly homeRegion: Region | null;
}

export type RecordOutcome =
  | {
      readonly status: 'recorded' | 'duplicate';
      readonly clientId: string;
      readonly eventId: string;
      readonly consentId: string;
    }
  | {
      readonly status: 'pending_attribution';
      readonly pendingId: string;
      readonly eventId: string;
    };

/** A customer reference as sources send it. */
export interface RawReference {
  readonly type: string;
  readonly value: string;
  readonly scope?: string | null | undefined;
}

export interface RecordRequest {
  readonly clientId?: string;
  readonly customer?: readonly RawReference[];
  readonly storeCountry?: string;
  readonly evidence: ConsentEvidenceInput;
  readonly strength: EvidenceStrength;
  /** Deterministic for source facts (replays dedupe), random for the platform's own captures. */
  readonly eventId: string;
  readonly source: EventSource;
  readonly correlationId?: string;
  readonly causationId?: string | null;
}

/** Which identifier types a channel's contact point may be. */
const CONTACT_TYPES: Readonly<Record<string, readonly string[]>> = {
  email: ['email'],
  sms: ['phone'],
  phone: ['phone'],
  whatsapp: ['whatsapp', 'phone'],
  wechat: ['wechat_openid', 'wechat_unionid'],
  kakaotalk: ['kakao_id', 'phone'],
  line: ['line_id'],
  push: [],
  post: [],
};

const cacheKey = (clientId: string) => `consent-view:${clientId}`;
const cacheTag = (clientId: string) => `client:${clientId}`;

export class ConsentApp {
  readonly ctx: ServiceContext;
  readonly events: ServiceEventStore;
  readonly directory: ClientDirectory;
  readonly ledger: Ledger;
  readonly policies: PolicySet;
  readonly #s = quoteIdent(SCHEMA);
  readonly #notices = new Map<
    string,
    NoticeFact & { text: string; title: string; jurisdiction: string }
  >();

  constructor(deps: {
    ctx: ServiceContext;
    events: ServiceEventStore;
    directory: ClientDirectory;
    ledger: Ledger;
    policies: PolicySet;
  }) {
    this.ctx = deps.ctx;
    this.events = deps.events;
    this.directory = deps.directory;
    this.ledger = deps.ledger;
    this.policies = deps.policies;
  }

  get s(): string {
    return this.#s;
  }

  #meta(source: EventSource, eventId: string, correlationId?: string, causationId?: string | null) {
    return {
      eventId,
      recordedAt: this.ctx.clock().toISOString(),
      region: this.ctx.region,
      source,
      correlationId: correlationId ?? eventId,
      causationId: causationId ?? null,
    };
  }

  // ---- clients ------------------------------------------------------------------------------

  async idsOf(
    clientId: string,
    q: SqlQueryable = this.ctx.database,
  ): Promise<{ canonical: string; ids: string[] }> {
    const canonical = await this.directory.canonical(q, clientId);
    const ids = await this.directory.aliasesOf(q, canonical);
    return { canonical, ids: [canonical, ...ids.filter((i) => i !== canonical)] };
  }

  async #fold(streamId: string): Promise<ReturnType<typeof initialState>> {
    let state = initialState();
    for await (const e of this.events.store.readStream(streamId)) state = evolve(state, e);
    return state;
  }

  /** The client's consents (its own stream and its merged ids'), read from the store, cached until the next change. */
  async view(
    clientId: string,
    resolved?: { canonical: string; ids: string[] },
  ): Promise<ClientView> {
    const { canonical, ids } = resolved ?? (await this.idsOf(clientId));
    const load = async (): Promise<ClientView> => {
      const states = await Promise.all(ids.map((id) => this.#fold(consentStream(id))));
      const own = states[0] ?? initialState();
      return {
        clientId: canonical,
        ids,
        records: states.flatMap((st) => st.records),
        erasedAt: own.erasedAt,
        homeRegion: await this.#homeRegion(ids),
      };
    };
    const cached = await getOrLoad(
      this.ctx.cache,
      cacheKey(canonical),
      async () => JSON.parse(JSON.stringify(await load())) as never,
      {
        ttlMs: 60_000,
        tags: [cacheTag(canonical)],
        onCacheError: (error) => {
          this.ctx.logger.warn({ err: error }, 'consent cache bypassed');
        },
      },
    );
    return cached;
  }

  /** After a change to a client's consents is visible (appended), readers must not see the old view. */
  async invalidate(clientIds: readonly string[]): Promise<void> {
    const all = new Set<string>();
    for (const id of clientIds) {
      all.add(id);
      all.add(await this.directory.canonical(this.ctx.database, id));
    }
    await this.ctx.cache.invalidateTags([...all].map(cacheTag));
    await this.ctx.cache.delete([...all].map(cacheKey));
  }

  async #homeRegion(ids: readonly string[]): Promise<Region | null> {
    const rows = await this.ctx.database.query<{ home_region: Region | null }>(
      `SELECT home_region FROM ${this.#s}.client_scope WHERE client_id = ANY($1::text[]) AND home_region IS NOT NULL`,
      [ids],
    );
    return rows[0]?.home_region ?? null;
  }

  /** Where the client belongs, for @maison/auth's scope rules (fail closed: unknown = nothing). */
  async scopeOf(clientId: string): Promise<ResourceScope> {
    const resolved = await this.idsOf(clientId);
    const { ids } = resolved;
    const rows = await this.ctx.database.query<{
      home_region: Region | null;
      home_store_id: string | null;
      book_store_ids: string[];
      associate_ids: string[];
      consent_store_ids: string[];
    }>(`SELECT * FROM ${this.#s}.client_scope WHERE client_id = ANY($1::text[])`, [ids]);
    const region = rows.find((r) => r.home_region !== null)?.home_region ?? undefined;
    // The stores where consents were collected, from the ledger itself: read-your-writes for the
    // associate who just recorded one (the read model may lag).
    const collected = (await this.view(clientId, resolved)).records.flatMap((r) =>
      r.collection.storeId ? [r.collection.storeId] : [],
    );
    const storeIds = [
      ...new Set([
        ...collected,
        ...rows.flatMap((r) => [
          ...r.book_store_ids,
          ...r.consent_store_ids,
          ...(r.home_store_id ? [r.home_store_id] : []),
        ]),
      ]),
    ];
    const associateIds = [...new Set(rows.flatMap((r) => r.associate_ids))];
    return { ...(region ? { region } : {}), storeIds, associateIds };
  }

  // ---- notices ------------------------------------------------------------------------------

  async notice(
    id: string,
    version: string,
    language: string,
  ): Promise<(NoticeFact & { text: string; title: string; jurisdiction: string }) | undefined> {
    // A published version never changes (the notice decider refuses another text), so what was
    // found once is kept; misses are not (the version may be published a moment later).
    const key = `${id}|${version}|${language}`;
    const known = this.#notices.get(key);
    if (known !== undefined) return known;
    // The registry's own stream is the source of truth (no projection lag for a consent that cites a new version).
    for await (const e of this.events.store.readStream(noticeStream(id))) {
      const d = e.data as {
        version: string;
        language: string;
        sha256: string;
        publishedAt: string;
        text: string;
        title: string;
        jurisdiction: string;
      };
      if (d.version === version && d.language === language) {
        const fact = {
          id,
          version,
          language,
          sha256: d.sha256,
          publishedAt: d.publishedAt,
          text: d.text,
          title: d.title,
          jurisdiction: d.jurisdiction,
        };
        if (this.#notices.size < 1000) this.#notices.set(key, fact);
        return fact;
      }
    }
    return undefined;
  }

  async publishNotice(
    input: Omit<PublishNoticeVersion, 'type' | keyof ReturnType<ConsentApp['meta']>>,
    actor: string,
  ) {
    const eventId = newEventId();
    const result = await handleCommand(
      this.events.store,
      noticeStream(input.noticeId),
      noticeDecider,
      {
        ...this.#meta({ system: 'consent.api', actor }, eventId),
        type: 'PublishNoticeVersion',
        ...input,
      },
    );
    const found = await this.notice(input.noticeId, input.version, input.language);
    if (found === undefined) throw new Error('notice version not found after publishing');
    return { created: result.events.length > 0, notice: found };
  }

  meta(source: EventSource, eventId: string) {
    return this.#meta(source, eventId);
  }

  // ---- recording ----------------------------------------------------------------------------

  #references(
    inputs: readonly RawReference[],
    country: string | undefined,
    pointer: string,
  ): CustomerReferenceData[] {
    const result = normaliseReferences(
      this.ctx.privacy,
      inputs.map((r) => ({ type: r.type, value: r.value, scope: r.scope ?? null })),
      country ?? null,
    );
    if (!result.ok)
      throw new ValidationError('A customer reference is invalid.', [
        {
          pointer: `${pointer}/${String(result.index)}/${result.issue.field}`,
          detail: result.issue.message,
        },
      ]);
    return result.references;
  }

  async #refuseSuppressed(refs: readonly Pick<IdentifierRef, 'type' | 'index'>[]): Promise<void> {
    for (const ref of refs) {
      if (await this.ctx.privacy.isSuppressed(ref.type, ref.index))
        throw new ConflictError(
          'An identifier of this record belongs to an erased client (suppressed): nothing was recorded.',
        );
    }
  }

  #contactPoint(evidence: ConsentEvidenceInput, country: string | undefined) {
    const cp = evidence.contactPoint;
    if (cp === undefined) return null;
    const allowed = CONTACT_TYPES[evidence.channel ?? ''] ?? [];
    if (!allowed.includes(cp.type))
      throw new ValidationError('The contact point does not fit the channel.', [
        {
          pointer: '/contactPoint/type',
          detail: `must be one of ${allowed.join(', ') || '(none: this channel has no contact point)'} for ${evidence.channel ?? 'no channel'}`,
        },
      ]);
    const [ref] = this.#references([cp], country, '/contactPoint');
    if (ref === undefined) return null;
    return {
      value: String(ref.value),
      ref: { type: ref.type, scope: ref.scope, index: ref.index },
    };
  }

  /** The consent id: one per client × purpose × channel × contact point (stable across grant and withdrawal). */
  static consentId(clientId: string, e: ConsentEvidenceInput, contactIndex: string): string {
    return uuidV5(
      `${clientId}|${e.purpose}|${e.channel ?? ''}|${contactIndex}`,
      MAISON_EVENT_NAMESPACE,
    );
  }

  async #noticeFact(evidence: ConsentEvidenceInput): Promise<NoticeFact | undefined> {
    const n = evidence.notice;
    if (n?.id === undefined || n.version === undefined || n.language === undefined)
      return undefined;
    return this.notice(n.id, n.version, n.language);
  }

  /** Records evidence for a known client, or holds it until identity links one of its references. */
  async record(request: RecordRequest): Promise<RecordOutcome> {
    const evidence = parseInput(consentEvidenceInput, request.evidence);
    const contactPoint = this.#contactPoint(evidence, request.storeCountry);
    const refs = request.customer
      ? this.#references(request.customer, request.storeCountry, '/customer')
      : [];
    await this.#refuseSuppressed([...refs, ...(contactPoint ? [contactPoint.ref] : [])]);
    const notice = await this.#noticeFact(evidence);
    let clientId = request.clientId;
    if (clientId === undefined) {
      const owner = await this.directory.attribute(this.ctx.database, refs);
      clientId = owner?.clientId;
    }
    if (clientId === undefined) return this.#hold(request, evidence, refs, contactPoint, notice);
    return this.#recordFor(clientId, request, evidence, contactPoint, notice);
  }

  async #recordFor(
    clientId: string,
    request: Pick<
      RecordRequest,
      'eventId' | 'source' | 'correlationId' | 'causationId' | 'strength'
    >,
    evidence: ConsentEvidenceInput,
    contactPoint: { value: string; ref: IdentifierRef } | null,
    notice: NoticeFact | undefined,
  ): Promise<RecordOutcome> {
    if (await this.ctx.privacy.isErased(clientId))
      throw new ConflictError('The client was erased; no consent can be recorded for it.');
    const consentId = ConsentApp.consentId(clientId, evidence, contactPoint?.ref.index ?? '');
    const command: ConsentCommand = {
      ...this.#meta(request.source, request.eventId, request.correlationId, request.causationId),
      type: 'RecordConsent',
      clientId,
      consentId,
      evidence,
      strength: request.strength,
      contactPoint,
      notice,
    };
    try {
      const result = await handleCommand(
        this.events.store,
        consentStream(clientId),
        consentDecider,
        command,
      );
      if (result.events.length > 0) await this.invalidate([clientId]);
      return {
        status: result.events.length > 0 ? 'recorded' : 'duplicate',
        clientId,
        eventId: request.eventId,
        consentId,
      };
    } catch (error) {
      if (error instanceof DuplicateEventError)
        return { status: 'duplicate', clientId, eventId: request.eventId, consentId };
      if (error instanceof ConcurrencyError)
        throw new ConflictError('The client’s consents changed concurrently; retry.');
      throw error;
    }
  }

  async #hold(
    request: RecordRequest,
    evidence: ConsentEvidenceInput,
    refs: CustomerReferenceData[],
    contactPoint: { value: string; ref: IdentifierRef } | null,
    notice: NoticeFact | undefined,
  ): Promise<RecordOutcome> {
    if (refs.length === 0)
      throw new ValidationError('Either clientId or customer references are required.', [
        { pointer: '/clientId', detail: 'or /customer is required' },
      ]);
    // Validate now (the same decision as on attribution), so bad evidence is refused at the edge.
    decideConsent(
      {
        ...this.#meta(request.source, request.eventId),
        type: 'RecordConsent',
        clientId: 'pending',
        consentId: request.eventId,
        evidence,
        strength: request.strength,
        contactPoint,
        notice,
      },
      initialState(),
    );
    const pendingId = uuidV5(`pending|${request.eventId}`, MAISON_EVENT_NAMESPACE);
    const { contactPoint: _omit, ...rest } = evidence;
    const data: ConsentEvidencePendingData = {
      pendingId,
      consentEventId: request.eventId,
      customer: refs,
      strength: request.strength,
      evidence: rest,
      contactPoint: contactPoint ? { value: contactPoint.value, ref: contactPoint.ref } : null,
    };
    await handleCommand(this.events.store, pendingStream(pendingId), pendingDecider, {
      ...this.#meta(
        request.source,
        deterministicEventId({
          sourceSystem: 'consent',
          sourceId: pendingId,
          type: 'ConsentEvidencePending',
        }),
        request.correlationId,
        request.causationId,
      ),
      type: 'HoldEvidence',
      occurredAt: evidence.occurredAt ?? this.ctx.clock().toISOString(),
      data,
    });
    return { status: 'pending_attribution', pendingId, eventId: request.eventId };
  }

  /** Identity linked identifiers (or moved them in a merge): record the evidence held for them. */
  async resolvePending(indexes: readonly string[], tx: SqlQueryable): Promise<number> {
    if (indexes.length === 0) return 0;
    const rows = await tx.query<{ pending_id: string }>(
      `SELECT pending_id FROM ${this.#s}.pending_evidence WHERE status = 'pending' AND identifier_indexes && $1::text[]`,
      [indexes],
    );
    let resolved = 0;
    for (const row of rows) {
      let held: ConsentEvidencePendingData | undefined;
      let heldEvent: EventEnvelope | undefined;
      for await (const e of this.events.store.readStream(pendingStream(row.pending_id)))
        if (e.type === 'ConsentEvidencePending') {
          held = e.data as ConsentEvidencePendingData;
          heldEvent = e;
        }
      if (held === undefined || heldEvent === undefined) continue;
      const owner = await this.directory.attribute(tx, held.customer);
      if (owner === null) continue;
      let outcome: 'recorded' | 'discarded' = 'recorded';
      let reason: string | null = null;
      try {
        const cp = held.contactPoint;
        await this.#recordFor(
          owner.clientId,
          {
            eventId: held.consentEventId,
            source: heldEvent.source,
            correlationId: heldEvent.correlationId,
            causationId: heldEvent.id,
            strength: held.strength,
          },
          { ...(held.evidence as ConsentEvidenceInput) },
          cp && typeof cp.value === 'string' ? { value: cp.value, ref: cp.ref } : null,
          await this.#noticeFact(held.evidence as ConsentEvidenceInput),
        );
      } catch (error) {
        if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
        outcome = 'discarded';
        reason = error instanceof ConflictError ? 'conflict' : 'invalid';
      }
      await handleCommand(this.events.store, pendingStream(row.pending_id), pendingDecider, {
        ...this.#meta(
          heldEvent.source,
          deterministicEventId({
            sourceSystem: 'consent',
            sourceId: row.pending_id,
            type: 'ConsentEvidenceAttributed',
          }),
          heldEvent.correlationId,
          heldEvent.id,
        ),
        type: 'ResolveEvidence',
        pendingId: row.pending_id,
        outcome,
        clientId: owner.clientId,
        reason,
      });
      // Marked here too, in the consumer's transaction: the projector's update is idempotent.
      await tx.query(
        `UPDATE ${this.#s}.pending_evidence SET status = $2, client_id = $3, reason = $4, resolved_at = now() WHERE pending_id = $1`,
        [
          row.pending_id,
          outcome === 'recorded' ? 'attributed' : 'discarded',
          owner.clientId,
          reason,
        ],
      );
      resolved++;
    }
    return resolved;
  }

  /** A TCF v2.2 string as device-scoped evidence for analytics and personalisation. */
  async recordTcf(
    request: Omit<RecordRequest, 'evidence' | 'strength' | 'eventId'> & {
      tcString: string;
      point: string;
      jurisdiction?: string;
      sourceSystem: string;
      sourceId: string;
    },
  ) {
    const decoded = decodeTcString(request.tcString);
    if (!decoded.ok)
      throw new ValidationError(
        `The TC string was rejected: ${decoded.reason}.`,
        [{ pointer: '/tcString', detail: `${decoded.reason}: ${decoded.detail}` }],
        { status: 422 },
      );
    const outcomes: RecordOutcome[] = [];
    for (const evidence of tcfEvidence(decoded.tc, request.point, request.jurisdiction)) {
      outcomes.push(
        await this.record({
          ...request,
          evidence,
          strength: 'device',
          eventId: deterministicEventId({
            sourceSystem: request.sourceSystem,
            sourceId: `${request.sourceId}#${evidence.purpose}`,
            type: 'ConsentRecorded',
          }),
        }),
      );
    }
    return {
      tc: {
        version: decoded.tc.version,
        policyVersion: decoded.tc.policyVersion,
        cmpId: decoded.tc.cmpId,
        purposeConsents: decoded.tc.purposeConsents,
      },
      outcomes,
    };
  }

  // ---- decisions ----------------------------------------------------------------------------

  async decide(
    clientId: string,
    request: ProcessRequest & { contactPoint?: RawReference | undefined },
    caller?: Principal,
  ): Promise<Decision & { clientId: string }> {
    const view = await this.view(clientId);
    let contactKey: string | undefined;
    if (request.contactPoint) {
      const [ref] = this.#references([request.contactPoint], undefined, '/contactPoint');
      contactKey = ref?.index;
    }
    const { contactPoint: _cp, ...rest } = request;
    const decision = canProcess(
      view,
      { ...rest, ...(contactKey ? { contactKey } : {}) },
      this.policies,
    );
    await this.ctx.database.query(
      `INSERT INTO ${this.#s}.decision_log (decided_at, client_id, purpose, channel, processing_at, allowed, code, relied_on, policies, caller_subject, caller_role)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        this.ctx.clock().toISOString(),
        view.clientId,
        request.purpose,
        request.channel ?? null,
        request.at,
        decision.allowed,
        decision.code,
        decision.reliedOn,
        JSON.stringify(decision.policies),
        caller?.subject ?? null,
        caller?.role ?? null,
      ],
    );
    return { ...decision, clientId: view.clientId };
  }

  // ---- erasure ------------------------------------------------------------------------------

  async requestErasure(
    clientId: string,
    requestedBy: string,
    ticket: string | null,
  ): Promise<{ requestId: string; clientId: string }> {
    const { canonical } = await this.idsOf(clientId);
    const requestId = newEventId();
    await handleCommand(this.events.store, consentStream(canonical), consentDecider, {
      ...this.#meta(
        { system: 'consent.api', actor: requestedBy },
        deterministicEventId({
          sourceSystem: 'consent',
          sourceId: requestId,
          type: 'ClientErasureRequested',
        }),
      ),
      type: 'RequestErasure',
      clientId: canonical,
      requestId,
      requestedBy,
      ticket,
    });
    return { requestId, clientId: canonical };
  }

  /** Step 2 of the workflow (the read-model projector calls it on ClientErasureRequested). */
  async eraseClient(event: EventEnvelope, tx: SqlQueryable): Promise<void> {
    const d = event.data as { requestId: string; clientId: string };
    const { ids } = await this.idsOf(d.clientId, tx);
    await handleCommand(this.events.store, consentStream(d.clientId), consentDecider, {
      ...this.#meta(
        { system: 'consent', actor: 'erasure-workflow' },
        deterministicEventId({
          sourceSystem: 'consent',
          sourceId: d.requestId,
          type: 'ClientErased',
        }),
        event.correlationId,
        event.id,
      ),
      type: 'EraseClient',
      clientId: d.clientId,
      requestId: d.requestId,
      aliases: ids,
    });
  }

  /** Step 3: consent's own purge (read models, cache, its keys), then its ClientDataPurged. */
  async purgeClient(event: EventEnvelope, tx: SqlQueryable): Promise<void> {
    const d = event.data as { requestId: string; clientId: string; aliases: string[] };
    const ids = [d.clientId, ...d.aliases];
    const count = async (sql: string, params: unknown[]) => (await tx.query(sql, params)).length;
    const identifiers = (
      await Promise.all(ids.map((id) => this.directory.identifiersOf(tx, id)))
    ).flat();
    const indexes = identifiers.map((i) => i.index);
    const pending = await tx.query<{ key_subject: string }>(
      `DELETE FROM ${this.#s}.pending_evidence WHERE client_id = ANY($1::text[]) OR identifier_indexes && $2::text[] RETURNING key_subject`,
      [ids, indexes],
    );
    const purged: Record<string, number> = {
      'read_model.consent_records': await count(
        `DELETE FROM ${this.#s}.consent_records WHERE client_id = ANY($1::text[]) RETURNING 1`,
        [ids],
      ),
      'read_model.client_scope': await count(
        `DELETE FROM ${this.#s}.client_scope WHERE client_id = ANY($1::text[]) RETURNING 1`,
        [ids],
      ),
      'read_model.decision_log': await count(
        `DELETE FROM ${this.#s}.decision_log WHERE client_id = ANY($1::text[]) RETURNING 1`,
        [ids],
      ),
      'read_model.pending_evidence': pending.length,
      'read_model.client_directory': await this.directory.forget(tx, ids),
    };
    await this.ctx.cache.invalidateTags(ids.map(cacheTag));
    await this.ctx.cache.delete(ids.map(cacheKey));
    purged.cache = ids.length;
    // Consent's own PII sits under these subjects: the client, its merged ids, and the identifier
    // subjects of evidence held before attribution. Shredding is idempotent and tombstoned, so it
    // composes with identity's own shredding of the client and its identifiers.
    const subjects = new Set([
      ...ids,
      ...pending.map((p) => p.key_subject),
      ...indexes.map(identifierKeySubject),
    ]);
    let shredded = 0;
    for (const subject of subjects)
      if ((await this.ctx.privacy.shred(subject)).keyDestroyed) shredded++;
    purged['keys.shredded'] = shredded;
    await handleCommand(this.events.store, consentStream(d.clientId), consentDecider, {
      ...this.#meta(
        { system: 'consent', actor: 'erasure-workflow' },
        deterministicEventId({
          sourceSystem: 'consent',
          sourceId: d.requestId,
          type: 'ClientDataPurged',
        }),
        event.correlationId,
        event.id,
      ),
      type: 'RecordPurge',
      clientId: d.clientId,
      requestId: d.requestId,
      purged,
    });
  }

  async erasureReport(requestId: string) {
    const rows = await this.ctx.database.query<{
      request_id: string;
      client_id: string;
      aliases: string[];
      requested_by: string;
      ticket: string | null;
      requested_at: Date;
      erased_at: Date | null;
    }>(`SELECT * FROM ${this.#s}.erasure_requests WHERE request_id = $1`, [requestId]);
    const request = rows[0];
    if (request === undefined) throw new NotFoundError('No such erasure request (yet).');
    const reports = await this.ctx.database.query<{
      service: string;
      purged: Record<string, number>;
      suppressed: unknown[];
      completed_at: Date;
    }>(
      `SELECT service, purged, suppressed, completed_at FROM ${this.#s}.erasure_reports WHERE request_id = $1 ORDER BY service`,
      [requestId],
    );
    const services = [
      'identity',
      'profiles',
      'transactions',
      'consent',
      'recommendations',
    ] as const;
    const byService = Object.fromEntries(
      services.map((svc) => {
        const r = reports.find((x) => x.service === svc);
        return [
          svc,
          r
            ? {
                status: 'purged',
                purged: r.purged,
                suppressed: r.suppressed.length,
                completedAt: r.completed_at.toISOString(),
              }
            : { status: 'pending' },
        ];
      }),
    );
    const done = reports.length >= services.length;
    return {
      requestId: request.request_id,
      clientId: request.client_id,
      aliases: request.aliases,
      requestedBy: request.requested_by,
      ticket: request.ticket,
      requestedAt: request.requested_at.toISOString(),
      erasedAt: request.erased_at?.toISOString() ?? null,
      status: request.erased_at === null ? 'requested' : done ? 'completed' : 'erased',
      services: byService,
    };
  }

  // ---- audit --------------------------------------------------------------------------------

  async logAccess(
    principal: Principal,
    action: string,
    clientId: string | null,
    params: Record<string, unknown>,
  ): Promise<void> {
    await this.ctx.database.query(
      `INSERT INTO ${this.#s}.audit_access_log (at, subject, role, token_id, action, client_id, params) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        this.ctx.clock().toISOString(),
        principal.subject,
        principal.role,
        principal.tokenId,
        action,
        clientId,
        JSON.stringify(params),
      ],
    );
    this.ctx.logger.info(
      { audit: action, role: principal.role, subject: principal.subject },
      'consent audit access',
    );
  }
}
