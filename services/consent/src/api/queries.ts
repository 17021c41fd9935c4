import { maskIdentifier, normaliseIdentifier } from '@maison/identifiers';
import { isUniqueViolation } from '@maison/sql';
import type { Response } from 'express';
import { z } from 'zod';
import type { ConsentApp } from '../application.js';
import { effectiveConsents, stateAt, type ConsentRecord } from '../consent/consent.state.js';
import { buildDsarExport, type DsarExport } from '../dsar/dsar.export.js';
import {
  AuditQueries,
  auditSearch,
  toCsv,
  type AuditRecord,
  type AuditSearch,
} from '../projections/audit.queries.js';
import type { LedgerBundle } from '../verifier/bundle.js';

/** A consent as the client file shows it (associates): state now, contact point masked. */
export interface CurrentConsent {
  readonly eventId: string;
  readonly consentId: string;
  readonly purpose: string;
  readonly channel: string | null;
  readonly contactPoint: string | null;
  readonly state: string;
  readonly legalBasis: string;
  readonly evidenceStrength: string;
  readonly jurisdiction: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly expiresAt: string | null;
  readonly nightTime: boolean;
  readonly recipient: string | null;
  readonly transferPurposes: readonly string[];
  readonly notice: ConsentRecord['notice'];
  readonly collection: ConsentRecord['collection'];
}

const CONTACT_TYPE_OF_CHANNEL: Readonly<Record<string, string>> = {
  email: 'email',
  sms: 'phone',
  phone: 'phone',
  whatsapp: 'whatsapp',
};

export function masked(record: ConsentRecord): string | null {
  if (typeof record.contactPoint !== 'string') return null;
  const type = CONTACT_TYPE_OF_CHANNEL[record.channel ?? ''];
  if (type === undefined) return '•••';
  const n = normaliseIdentifier({ type, value: record.contactPoint });
  return n.ok ? maskIdentifier(n.identifier) : '•••';
}

export function currentView(records: readonly ConsentRecord[], at: string): CurrentConsent[] {
  return effectiveConsents(records, at).map((r) => ({
    eventId: r.eventId,
    consentId: r.consentId,
    purpose: r.purpose,
    channel: r.channel,
    contactPoint: masked(r),
    state: stateAt(r, at),
    legalBasis: r.legalBasis,
    evidenceStrength: r.evidenceStrength,
    jurisdiction: r.jurisdiction,
    occurredAt: r.occurredAt,
    recordedAt: r.recordedAt,
    expiresAt: r.expiresAt,
    nightTime: r.nightTime,
    recipient: r.recipient,
    transferPurposes: r.transferPurposes,
    notice: r.notice,
    collection: r.collection,
  }));
}

export class ConsentQueries {
  readonly #app: ConsentApp;
  readonly #audit: AuditQueries;
  readonly auditSearchQuery = auditSearch.extend({
    format: z.enum(['json', 'ndjson', 'csv']).default('json'),
    proofs: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
  });

  constructor(app: ConsentApp, schema: string) {
    this.#app = app;
    this.#audit = new AuditQueries(schema);
  }

  get #db() {
    return this.#app.ctx.database;
  }

  async notices() {
    return this.#db.query(
      `SELECT notice_id AS "noticeId", version, language, jurisdiction, title, sha256, published_at_text AS "publishedAt"
         FROM ${this.#app.s}.notices ORDER BY notice_id, published_at, version, language`,
    );
  }

  async current(clientId: string) {
    const view = await this.#app.view(clientId);
    const at = this.#app.ctx.clock().toISOString();
    return {
      clientId: view.clientId,
      erased: view.erasedAt !== null,
      at,
      consents: view.erasedAt === null ? currentView(view.records, at) : [],
    };
  }

  async stateAsOf(clientId: string, asOf: string): Promise<AuditRecord[]> {
    const { ids } = await this.#app.idsOf(clientId);
    return this.#audit.stateAsOf(this.#db, ids, asOf);
  }

  async history(
    clientId: string,
    filter: Omit<Partial<AuditSearch>, 'limit'> = {},
  ): Promise<AuditRecord[]> {
    const { ids } = await this.#app.idsOf(clientId);
    return this.#audit.history(this.#db, ids, filter);
  }

  async search(filters: AuditSearch, wholeClient = false) {
    if (wholeClient && filters.clientId !== undefined) {
      const { ids } = await this.#app.idsOf(filters.clientId);
      return this.#audit.search(this.#db, filters, ids);
    }
    return this.#audit.search(this.#db, filters);
  }

  /** Each record with its inclusion proof against a fresh checkpoint (what an export "with proofs" carries). */
  async withProofs(records: readonly AuditRecord[]) {
    await this.#app.ledger.live();
    const heads = new Map<string, number>();
    const out = [];
    for (const r of records) {
      if (r.ledger === null) {
        out.push({ ...r, proof: null });
        continue;
      }
      const region = r.ledger.region as Parameters<ConsentApp['ledger']['inclusion']>[0];
      if (!heads.has(region))
        heads.set(region, (await this.#app.ledger.checkpoint(region))?.treeSize ?? 0);
      const p = await this.#app.ledger.inclusion(region, r.ledger.seq, heads.get(region));
      out.push({
        ...r,
        proof: {
          treeSize: p.treeSize,
          leafHash: p.leafHash,
          proof: p.proof,
          checkpoint: p.checkpoint,
        },
      });
    }
    return out;
  }

  async sendSearch(
    res: Response,
    filters: AuditSearch,
    format: 'json' | 'ndjson' | 'csv',
    proofs: boolean,
    wholeClient = false,
  ) {
    const page = await this.search(filters, wholeClient);
    const records = proofs
      ? await this.withProofs(page.records)
      : page.records.map((r) => ({ ...r, proof: null }));
    res.set('cache-control', 'no-store');
    if (page.next !== null) res.set('link', `<?after=${page.next}>; rel="next"`);
    if (format === 'ndjson') {
      res
        .status(200)
        .type('application/x-ndjson')
        .send(records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''));
      return;
    }
    if (format === 'csv') {
      res.status(200).type('text/csv').send(toCsv(records));
      return;
    }
    res.status(200).json({ records, next: page.next });
  }

  async clientBundle(clientId: string): Promise<LedgerBundle | null> {
    const { ids } = await this.#app.idsOf(clientId);
    const history = await this.#audit.history(this.#db, ids);
    const notices = [
      ...new Set(history.flatMap((r) => (r.notice ? [`notice-${r.notice.id}`] : []))),
    ];
    await this.#app.ledger.live();
    const regions = await this.#app.ledger.regions();
    const region = regions.includes(this.#app.ctx.region) ? this.#app.ctx.region : regions[0];
    if (region === undefined) return null;
    return this.#app.ledger.exportStreams(
      region,
      ids.map((id) => `consent-${id}`),
      notices,
    );
  }

  async accessLog(clientId: string | undefined, limit: number) {
    return this.#db.query(
      `SELECT id, at, subject, role, token_id AS "tokenId", action, client_id AS "clientId", params FROM ${this.#app.s}.audit_access_log
        WHERE ($1::text IS NULL OR client_id = $1) ORDER BY id DESC LIMIT $2`,
      [clientId ?? null, limit],
    );
  }

  async decisions(clientId: string, limit: number) {
    const { ids } = await this.#app.idsOf(clientId);
    return this.#db.query(
      `SELECT decided_at AS "decidedAt", client_id AS "clientId", purpose, channel, processing_at AS "processingAt", allowed, code,
              relied_on AS "reliedOn", policies, caller_subject AS "callerSubject", caller_role AS "callerRole"
         FROM ${this.#app.s}.decision_log WHERE client_id = ANY($1::text[]) ORDER BY id DESC LIMIT $2`,
      [ids, limit],
    );
  }

  /**
   * EU-WD-1's audit: processing allowed after a withdrawal took effect (the withdrawal's business
   * time plus the SLA) — e.g. a decision taken on stale data, or a consumer that acted late.
   */
  async withdrawalViolations(clientId: string | undefined) {
    const sla = this.#app.policies.euWd1.slaSeconds;
    return this.#db.query(
      `SELECT d.client_id AS "clientId", d.purpose, d.channel, d.processing_at AS "processingAt", d.decided_at AS "decidedAt",
              r.event_id AS "withdrawalEventId", r.occurred_at_text AS "withdrawnAt"
         FROM ${this.#app.s}.decision_log d
         JOIN ${this.#app.s}.consent_records r
           ON r.client_id = d.client_id AND r.purpose = d.purpose AND coalesce(r.channel, '') = coalesce(d.channel, '')
          AND r.state = 'withdrawn' AND d.allowed AND d.processing_at > r.occurred_at + make_interval(secs => $2)
          AND NOT EXISTS (SELECT 1 FROM ${this.#app.s}.consent_records g
                           WHERE g.client_id = r.client_id AND g.purpose = r.purpose AND coalesce(g.channel, '') = coalesce(r.channel, '')
                             AND g.state = 'granted' AND g.occurred_at > r.occurred_at AND g.occurred_at <= d.processing_at)
        WHERE ($1::text IS NULL OR d.client_id = $1) ORDER BY d.processing_at`,
      [clientId ?? null, sla],
    );
  }

  async accessExport(clientId: string): Promise<DsarExport> {
    const { canonical, ids } = await this.#app.idsOf(clientId);
    const now = this.#app.ctx.clock().toISOString();
    const history = await this.#audit.history(this.#db, ids);
    const current = await this.#audit.stateAsOf(this.#db, ids, now);
    const cited = [
      ...new Map(
        history.flatMap((r) =>
          r.notice
            ? [[`${r.notice.id}|${r.notice.version}|${r.notice.language}`, r.notice] as const]
            : [],
        ),
      ).values(),
    ];
    const notices = [];
    for (const n of cited) {
      const found = await this.#app.notice(n.id, n.version, n.language);
      if (found)
        notices.push({
          id: found.id,
          version: found.version,
          language: found.language,
          title: found.title,
          sha256: found.sha256,
          text: found.text,
          publishedAt: found.publishedAt,
        });
    }
    return buildDsarExport({
      clientId: canonical,
      ids,
      generatedAt: now,
      current,
      history,
      notices,
      decisions: await this.decisions(canonical, 1000),
      ledger: await this.clientBundle(canonical),
    });
  }

  /** Runs `handle` once per Shopify webhook id; a retried delivery gets the first outcome back. */
  async shopifyDelivery(
    webhookId: string,
    topic: string,
    shop: string,
    handle: () => Promise<{ status: string; reason?: string }>,
  ) {
    const seen = await this.#db.query<{ outcome: string }>(
      `SELECT outcome FROM ${this.#app.s}.webhook_deliveries WHERE webhook_id = $1`,
      [webhookId],
    );
    if (seen[0] !== undefined) return { status: 'duplicate', first: seen[0].outcome };
    const result = await handle();
    try {
      await this.#db.query(
        `INSERT INTO ${this.#app.s}.webhook_deliveries (webhook_id, topic, shop, outcome) VALUES ($1, $2, $3, $4)`,
        [webhookId, topic, shop, result.status],
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error; // a concurrent retry recorded it first; the append deduped too
    }
    return result;
  }
}
