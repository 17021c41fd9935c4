import {
  ClientBookAssigned,
  ClientBookUnassigned,
  ConsentRecorded,
  ProfileUpdated,
  type DataOf,
  type EventEnvelope,
} from '@maison/event-contracts';
import { quoteIdent, type SqlQueryable } from '@maison/sql';

/**
 * What the service needs to know about a client besides purchases: the latest profiling consent
 * (the decision to personalise), the home boutique and region (cold start, scope), and the client
 * book (who may read the client). No personal field is read: ProfileUpdated's `homeRegion` and
 * `homeStoreId` are top-level, non-PII fields; the encrypted `changes` are ignored.
 */
export class ClientsProjection {
  readonly #s: string;

  constructor(schema: string) {
    this.#s = quoteIdent(schema);
  }

  /** ConsentRecorded with purpose `profiling`: the latest by business time wins (then record time, id). */
  async applyConsent(tx: SqlQueryable, event: EventEnvelope): Promise<void> {
    if (event.type !== ConsentRecorded.type) return;
    const d = event.data as DataOf<typeof ConsentRecorded>;
    if (d.purpose !== 'profiling') return;
    await tx.query(
      `INSERT INTO ${this.#s}.consents (client_id, state, evidence, occurred_at, recorded_at, expires_at, event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (client_id) DO UPDATE SET state = EXCLUDED.state, evidence = EXCLUDED.evidence,
         occurred_at = EXCLUDED.occurred_at, recorded_at = EXCLUDED.recorded_at,
         expires_at = EXCLUDED.expires_at, event_id = EXCLUDED.event_id
       WHERE (EXCLUDED.occurred_at, EXCLUDED.recorded_at, EXCLUDED.event_id)
           > (consents.occurred_at, consents.recorded_at, consents.event_id)`,
      [
        d.clientId,
        d.state,
        d.evidenceStrength,
        event.occurredAt,
        event.recordedAt,
        d.expiresAt,
        event.id,
      ],
    );
  }

  async applyProfile(tx: SqlQueryable, event: EventEnvelope): Promise<void> {
    switch (event.type) {
      case ProfileUpdated.type: {
        const d = event.data as DataOf<typeof ProfileUpdated>;
        if (d.homeRegion === undefined && d.homeStoreId === undefined) return;
        // Absent = unchanged, null = cleared.
        await tx.query(
          `INSERT INTO ${this.#s}.profiles (client_id, home_region, home_store_id)
           VALUES ($1, $2, $3)
           ON CONFLICT (client_id) DO UPDATE SET
             home_region = CASE WHEN $4 THEN EXCLUDED.home_region ELSE profiles.home_region END,
             home_store_id = CASE WHEN $5 THEN EXCLUDED.home_store_id ELSE profiles.home_store_id END`,
          [
            d.clientId,
            d.homeRegion ?? null,
            d.homeStoreId ?? null,
            d.homeRegion !== undefined,
            d.homeStoreId !== undefined,
          ],
        );
        return;
      }
      case ClientBookAssigned.type: {
        const d = event.data as DataOf<typeof ClientBookAssigned>;
        await tx.query(
          `INSERT INTO ${this.#s}.client_book (client_id, associate_id, store_id) VALUES ($1, $2, $3)
           ON CONFLICT (client_id, associate_id) DO UPDATE SET store_id = EXCLUDED.store_id`,
          [d.clientId, d.associateId, d.storeId],
        );
        return;
      }
      case ClientBookUnassigned.type: {
        const d = event.data as DataOf<typeof ClientBookUnassigned>;
        await tx.query(
          `DELETE FROM ${this.#s}.client_book WHERE client_id = $1 AND associate_id = $2`,
          [d.clientId, d.associateId],
        );
        return;
      }
      default:
        return;
    }
  }

  /** Erasure: forgets consent, profile and book rows; returns counts by table. */
  async erase(tx: SqlQueryable, clientIds: readonly string[]): Promise<Record<string, number>> {
    const ids = [...clientIds];
    const counts: Record<string, number> = {};
    for (const table of ['consents', 'profiles', 'client_book'] as const) {
      const rows = await tx.query(
        `DELETE FROM ${this.#s}.${table} WHERE client_id = ANY($1::text[]) RETURNING 1`,
        [ids],
      );
      counts[`read_model.${table}`] = rows.length;
    }
    return counts;
  }
}
