import type { RecordedEvent } from '@maison/event-store';
import { quoteIdent, type SqlQueryable } from '@maison/sql';
import type { ConsentRecordedData } from '../consent/consent.events.js';
import type { NoticeVersionPublishedData } from '../notice/notice.events.js';
import type {
  ConsentEvidenceAttributedData,
  ConsentEvidencePendingData,
} from '../pending/pending.events.js';

/**
 * The read models fed from the service's own store, in one ordered projection (exactly once with
 * its checkpoint): consent records (for audit search and `asOf`), the notice registry, pending
 * evidence, erasure requests. One projection, so an erasure's purge can never be overtaken by a
 * late copy of an older record. Reactions (the erasure workflow's next steps) are passed in.
 */
export interface ReadModelReactions {
  readonly onErasureRequested: (event: RecordedEvent, tx: SqlQueryable) => Promise<void>;
  readonly onClientErased: (event: RecordedEvent, tx: SqlQueryable) => Promise<void>;
}

export function readModelProjection(schema: string, reactions: ReadModelReactions) {
  const s = quoteIdent(schema);
  return async (event: RecordedEvent, tx: SqlQueryable): Promise<void> => {
    switch (event.type) {
      case 'ConsentRecorded': {
        const d = event.data as ConsentRecordedData;
        const contact = typeof d.contactPoint === 'string' ? d.contactPoint : null;
        await tx.query(
          `INSERT INTO ${s}.consent_records (event_id, client_id, consent_id, seq, purpose, channel, contact_key, contact_type, contact_point,
             state, legal_basis, notice_id, notice_version, notice_sha256, notice_language, method, point, store_id, associate_id,
             source_system, actor, evidence_strength, jurisdiction, recipient, transfer_purposes, night_time, proof_ref, expires_at,
             occurred_at, occurred_at_text, recorded_at, recorded_at_text, region)
           VALUES ($1, $2, $3, nextval('${schema}.consent_records_seq'), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
             $19, $20, $21, $22, $23, $24, $25, $26, $27, $28::text::timestamptz, $28::text, $29::text::timestamptz, $29::text, $30)
           ON CONFLICT (event_id) DO NOTHING`,
          [
            event.id,
            d.clientId,
            d.consentId,
            d.purpose,
            d.channel,
            d.contactPointRef?.index ?? '',
            d.contactPointRef?.type ?? null,
            contact,
            d.state,
            d.legalBasis,
            d.notice?.id ?? null,
            d.notice?.version ?? null,
            d.notice?.sha256 ?? null,
            d.notice?.language ?? null,
            d.collection.method,
            d.collection.point,
            d.collection.storeId,
            d.collection.associateId,
            event.source.system,
            event.source.actor ?? null,
            d.evidenceStrength,
            d.jurisdiction,
            d.recipient,
            d.transferPurposes ?? [],
            d.nightTime,
            d.proofRef,
            d.expiresAt,
            event.occurredAt,
            event.recordedAt,
            event.region,
          ],
        );
        if (d.collection.storeId !== null)
          await tx.query(
            `INSERT INTO ${s}.client_scope (client_id, consent_store_ids) VALUES ($1, ARRAY[$2])
             ON CONFLICT (client_id) DO UPDATE SET consent_store_ids =
               CASE WHEN $2 = ANY(client_scope.consent_store_ids) THEN client_scope.consent_store_ids
                    ELSE array_append(client_scope.consent_store_ids, $2) END`,
            [d.clientId, d.collection.storeId],
          );
        return;
      }
      case 'NoticeVersionPublished': {
        const d = event.data as NoticeVersionPublishedData;
        await tx.query(
          `INSERT INTO ${s}.notices (notice_id, version, language, jurisdiction, title, sha256, text, published_at, published_at_text, event_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::timestamptz, $8::text, $9) ON CONFLICT DO NOTHING`,
          [
            d.noticeId,
            d.version,
            d.language,
            d.jurisdiction,
            d.title,
            d.sha256,
            d.text,
            d.publishedAt,
            event.id,
          ],
        );
        return;
      }
      case 'ConsentEvidencePending': {
        const d = event.data as ConsentEvidencePendingData;
        const first = d.customer[0]?.index ?? '';
        await tx.query(
          `INSERT INTO ${s}.pending_evidence (pending_id, event_id, identifier_indexes, key_subject, status, received_at)
           VALUES ($1, $2, $3, $4, 'pending', $5) ON CONFLICT DO NOTHING`,
          [d.pendingId, event.id, d.customer.map((c) => c.index), `idx:${first}`, event.recordedAt],
        );
        return;
      }
      case 'ConsentEvidenceAttributed': {
        const d = event.data as ConsentEvidenceAttributedData;
        await tx.query(
          `UPDATE ${s}.pending_evidence SET status = $2, client_id = $3, reason = $4, resolved_at = coalesce(resolved_at, $5)
            WHERE pending_id = $1`,
          [
            d.pendingId,
            d.outcome === 'recorded' ? 'attributed' : 'discarded',
            d.clientId,
            d.reason,
            event.recordedAt,
          ],
        );
        return;
      }
      case 'ClientErasureRequested': {
        const d = event.data as {
          requestId: string;
          clientId: string;
          requestedBy: string;
          ticket: string | null;
        };
        await tx.query(
          `INSERT INTO ${s}.erasure_requests (request_id, client_id, requested_by, ticket, requested_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT DO NOTHING`,
          [d.requestId, d.clientId, d.requestedBy, d.ticket, event.recordedAt],
        );
        await reactions.onErasureRequested(event, tx);
        return;
      }
      case 'ClientErased': {
        const d = event.data as { requestId: string; aliases: string[]; erasedAt: string };
        await tx.query(
          `UPDATE ${s}.erasure_requests SET erased_at = $2, aliases = $3 WHERE request_id = $1`,
          [d.requestId, d.erasedAt, d.aliases],
        );
        await reactions.onClientErased(event, tx);
        return;
      }
      default:
        return;
    }
  };
}
