import { CONSENT_CHANNELS, CONSENT_STATES, PURPOSES } from '@maison/event-contracts';
import { quoteIdent, type SqlQueryable } from '@maison/sql';
import { z } from 'zod';

/** One consent record as the audit API returns it (the read model row). */
export interface AuditRecord {
  readonly eventId: string;
  readonly clientId: string;
  readonly consentId: string;
  readonly purpose: string;
  readonly channel: string | null;
  readonly contactPoint: string | null;
  readonly contactKey: string;
  readonly state: string;
  readonly legalBasis: string;
  readonly notice: { id: string; version: string; sha256: string; language: string } | null;
  readonly collection: {
    method: string;
    point: string;
    storeId: string | null;
    associateId: string | null;
  };
  readonly source: { system: string; actor: string | null };
  readonly evidenceStrength: string;
  readonly jurisdiction: string;
  readonly recipient: string | null;
  readonly transferPurposes: string[];
  readonly nightTime: boolean;
  readonly proofRef: string | null;
  readonly expiresAt: string | null;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly region: string;
  readonly ledger: { region: string; seq: number } | null;
}

interface Row {
  event_id: string;
  client_id: string;
  consent_id: string;
  purpose: string;
  channel: string | null;
  contact_point: string | null;
  contact_key: string;
  state: string;
  legal_basis: string;
  notice_id: string | null;
  notice_version: string | null;
  notice_sha256: string | null;
  notice_language: string | null;
  method: string;
  point: string;
  store_id: string | null;
  associate_id: string | null;
  source_system: string;
  actor: string | null;
  evidence_strength: string;
  jurisdiction: string;
  recipient: string | null;
  transfer_purposes: string[];
  night_time: boolean;
  proof_ref: string | null;
  expires_at: string | null;
  occurred_at_text: string;
  recorded_at_text: string;
  region: string;
  ledger_region: string | null;
  ledger_seq: string | null;
  seq: string;
}

function toRecord(r: Row): AuditRecord {
  return {
    eventId: r.event_id,
    clientId: r.client_id,
    consentId: r.consent_id,
    purpose: r.purpose,
    channel: r.channel,
    contactPoint: r.contact_point,
    contactKey: r.contact_key,
    state: r.state,
    legalBasis: r.legal_basis,
    notice:
      r.notice_id !== null &&
      r.notice_version !== null &&
      r.notice_sha256 !== null &&
      r.notice_language !== null
        ? {
            id: r.notice_id,
            version: r.notice_version,
            sha256: r.notice_sha256,
            language: r.notice_language,
          }
        : null,
    collection: {
      method: r.method,
      point: r.point,
      storeId: r.store_id,
      associateId: r.associate_id,
    },
    source: { system: r.source_system, actor: r.actor },
    evidenceStrength: r.evidence_strength,
    jurisdiction: r.jurisdiction,
    recipient: r.recipient,
    transferPurposes: r.transfer_purposes,
    nightTime: r.night_time,
    proofRef: r.proof_ref,
    expiresAt: r.expires_at,
    occurredAt: r.occurred_at_text,
    recordedAt: r.recorded_at_text,
    region: r.region,
    ledger:
      r.ledger_seq === null || r.ledger_region === null
        ? null
        : { region: r.ledger_region, seq: Number(r.ledger_seq) },
  };
}

const instant = z.iso.datetime({ offset: true });
export const auditSearch = z.strictObject({
  clientId: z.string().min(1).max(200).optional(),
  from: instant.optional(),
  to: instant.optional(),
  purpose: z.enum(PURPOSES).optional(),
  channel: z.enum(CONSENT_CHANNELS).optional(),
  state: z.enum(CONSENT_STATES).optional(),
  storeId: z.string().min(1).max(100).optional(),
  associateId: z.string().min(1).max(200).optional(),
  source: z.string().min(1).max(100).optional(),
  method: z.string().min(1).max(50).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** Opaque cursor from the previous page. */
  after: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional(),
});
export type AuditSearch = z.infer<typeof auditSearch>;

export class AuditQueries {
  readonly #s: string;
  constructor(schema: string) {
    this.#s = quoteIdent(schema);
  }

  #select(where: string): string {
    return `SELECT r.*, l.region AS ledger_region, l.seq AS ledger_seq FROM ${this.#s}.consent_records r
              LEFT JOIN ${this.#s}.ledger_leaves l ON l.event_id = r.event_id WHERE ${where}`;
  }

  /** The history of these client ids (a client and its merged ids), in recording order. */
  async history(
    q: SqlQueryable,
    clientIds: readonly string[],
    filter: Omit<Partial<AuditSearch>, 'limit'> = {},
  ): Promise<AuditRecord[]> {
    return (await this.search(q, { ...filter, limit: 1000 }, clientIds)).records;
  }

  /**
   * What was in force at `asOf` according to what had been recorded by then: per consent key
   * (purpose × channel × contact point × scope) the latest business time among records with
   * occurredAt ≤ asOf and recordedAt ≤ asOf.
   */
  async stateAsOf(
    q: SqlQueryable,
    clientIds: readonly string[],
    asOf: string,
  ): Promise<AuditRecord[]> {
    const rows = await q.query<Row>(
      `SELECT * FROM (
         SELECT DISTINCT ON (r.purpose, coalesce(r.channel, ''), r.contact_key, r.evidence_strength = 'device')
                r.*, l.region AS ledger_region, l.seq AS ledger_seq
           FROM ${this.#s}.consent_records r LEFT JOIN ${this.#s}.ledger_leaves l ON l.event_id = r.event_id
          WHERE r.client_id = ANY($1::text[]) AND r.occurred_at <= $2::timestamptz AND r.recorded_at <= $2::timestamptz
          ORDER BY r.purpose, coalesce(r.channel, ''), r.contact_key, r.evidence_strength = 'device',
                   r.occurred_at DESC, r.recorded_at DESC, r.seq DESC
       ) current ORDER BY purpose, coalesce(channel, ''), contact_key`,
      [clientIds, asOf],
    );
    return rows.map(toRecord);
  }

  async search(
    q: SqlQueryable,
    f: AuditSearch,
    clientIds?: readonly string[],
  ): Promise<{ records: AuditRecord[]; next: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${String(params.length)}`));
    };
    if (clientIds !== undefined) add((p) => `r.client_id = ANY(${p}::text[])`, clientIds);
    else if (f.clientId !== undefined) add((p) => `r.client_id = ${p}`, f.clientId);
    if (f.from !== undefined) add((p) => `r.occurred_at >= ${p}::timestamptz`, f.from);
    if (f.to !== undefined) add((p) => `r.occurred_at < ${p}::timestamptz`, f.to);
    if (f.purpose !== undefined) add((p) => `r.purpose = ${p}`, f.purpose);
    if (f.channel !== undefined) add((p) => `r.channel = ${p}`, f.channel);
    if (f.state !== undefined) add((p) => `r.state = ${p}`, f.state);
    if (f.storeId !== undefined) add((p) => `r.store_id = ${p}`, f.storeId);
    if (f.associateId !== undefined) add((p) => `r.associate_id = ${p}`, f.associateId);
    if (f.source !== undefined) add((p) => `r.source_system = ${p}`, f.source);
    if (f.method !== undefined) add((p) => `r.method = ${p}`, f.method);
    if (f.after !== undefined) add((p) => `r.seq > ${p}::bigint`, f.after);
    params.push(f.limit + 1);
    const rows = await q.query<Row>(
      `${this.#select(where.length > 0 ? where.join(' AND ') : 'true')} ORDER BY r.seq LIMIT $${String(params.length)}`,
      params,
    );
    const page = rows.slice(0, f.limit);
    return {
      records: page.map(toRecord),
      next: rows.length > f.limit ? (page.at(-1)?.seq ?? null) : null,
    };
  }
}

const CSV_COLUMNS = [
  'eventId',
  'clientId',
  'consentId',
  'purpose',
  'channel',
  'contactPoint',
  'state',
  'legalBasis',
  'noticeId',
  'noticeVersion',
  'noticeSha256',
  'noticeLanguage',
  'method',
  'point',
  'storeId',
  'associateId',
  'sourceSystem',
  'actor',
  'evidenceStrength',
  'jurisdiction',
  'recipient',
  'transferPurposes',
  'nightTime',
  'proofRef',
  'expiresAt',
  'occurredAt',
  'recordedAt',
  'region',
  'ledgerSeq',
  'inclusionProof',
  'treeSize',
] as const;

function csvCell(value: string | number | boolean | null | undefined | readonly string[]): string {
  const text =
    value === null || value === undefined
      ? ''
      : typeof value === 'object'
        ? value.join(' ')
        : String(value);
  // Formula injection guard (a cell opened in a spreadsheet must not execute).
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function toCsv(
  records: readonly (AuditRecord & { proof?: { treeSize: number; proof: string[] } | null })[],
): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of records) {
    lines.push(
      [
        r.eventId,
        r.clientId,
        r.consentId,
        r.purpose,
        r.channel,
        r.contactPoint,
        r.state,
        r.legalBasis,
        r.notice?.id,
        r.notice?.version,
        r.notice?.sha256,
        r.notice?.language,
        r.collection.method,
        r.collection.point,
        r.collection.storeId,
        r.collection.associateId,
        r.source.system,
        r.source.actor,
        r.evidenceStrength,
        r.jurisdiction,
        r.recipient,
        r.transferPurposes,
        r.nightTime,
        r.proofRef,
        r.expiresAt,
        r.occurredAt,
        r.recordedAt,
        r.region,
        r.ledger?.seq,
        r.proof?.proof,
        r.proof?.treeSize,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
