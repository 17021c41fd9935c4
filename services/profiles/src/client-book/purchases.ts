import type { ClientDirectory } from '@maison/client-directory';
import { TransactionAttributed, type DataOf, type EventEnvelope } from '@maison/event-contracts';
import type { SqlQueryable } from '@maison/sql';
import type { ProfileCommands } from '../commands.js';

type Attributed = DataOf<typeof TransactionAttributed>;

/**
 * Purchases as transactions attributed them (`TransactionAttributed`, re-sent on every merge or
 * unmerge; the most recently recorded attribution wins, whatever the order of delivery). They feed
 * lapsed clients, visiting clients, the stores a client is known at, and automatic client-book
 * assignment from POS sales.
 */
export class Purchases {
  readonly #s: string;
  readonly #directory: ClientDirectory;
  readonly #commands: ProfileCommands;

  constructor(quotedSchema: string, directory: ClientDirectory, commands: ProfileCommands) {
    this.#s = quotedSchema;
    this.#directory = directory;
    this.#commands = commands;
  }

  async apply(event: EventEnvelope, tx: SqlQueryable): Promise<string[]> {
    if (event.type !== TransactionAttributed.type) return [];
    const d = event.data as Attributed;
    let clientId = d.clientId === null ? null : await this.#directory.canonical(tx, d.clientId);
    if (clientId !== null) {
      const erased = await tx.query(
        `SELECT 1 FROM ${this.#s}.erased_clients WHERE client_id = $1`,
        [clientId],
      );
      if (erased.length > 0) clientId = null;
    }
    const previous = await tx.query<{ client_id: string | null }>(
      `SELECT client_id FROM ${this.#s}.purchases WHERE transaction_id = $1`,
      [d.transactionId],
    );
    const written = await tx.query(
      `INSERT INTO ${this.#s}.purchases (transaction_id, client_id, kind, occurred_at, occurred_ts, store_id, region,
         associate_id, amount_minor, currency, reporting_minor, reporting_currency, attributed_at)
       VALUES ($1, $2, $3, $4::text, $4::timestamptz, $5, $6, $7, $8, $9, $10, $11, $12::timestamptz)
       ON CONFLICT (transaction_id) DO UPDATE SET client_id = EXCLUDED.client_id, kind = EXCLUDED.kind,
         occurred_at = EXCLUDED.occurred_at, occurred_ts = EXCLUDED.occurred_ts, store_id = EXCLUDED.store_id,
         region = EXCLUDED.region, associate_id = EXCLUDED.associate_id, amount_minor = EXCLUDED.amount_minor,
         currency = EXCLUDED.currency, reporting_minor = EXCLUDED.reporting_minor,
         reporting_currency = EXCLUDED.reporting_currency, attributed_at = EXCLUDED.attributed_at
       WHERE ${this.#s}.purchases.attributed_at <= EXCLUDED.attributed_at
       RETURNING 1`,
      [
        d.transactionId,
        clientId,
        d.kind,
        d.occurredAt,
        d.storeId,
        d.region,
        d.associateId,
        d.total.amountMinor,
        d.total.currency,
        d.reporting?.amount.amountMinor ?? null,
        d.reporting?.amount.currency ?? null,
        event.recordedAt,
      ],
    );
    const touched = [previous[0]?.client_id, clientId].filter(
      (c): c is string => typeof c === 'string',
    );
    if (written.length === 0 || clientId === null) return touched;
    await tx.query(
      `INSERT INTO ${this.#s}.profiles (client_id, updated_at) VALUES ($1, $2) ON CONFLICT (client_id) DO NOTHING`,
      [clientId, event.recordedAt],
    );
    if (d.kind === 'sale' && d.associateId !== null && d.storeId !== null)
      await this.#autoAssign(tx, event, clientId, d);
    return touched;
  }

  /** The configured policy's candidate, from what the read model knows of the client's sales. */
  async #autoAssign(
    tx: SqlQueryable,
    event: EventEnvelope,
    clientId: string,
    d: Attributed,
  ): Promise<void> {
    const policy = this.#commands.config.autoAssignment;
    if (policy.mode === 'off') return;
    let candidate: { associate_id: string; store_id: string } | undefined;
    if (policy.mode === 'first-identified-sale') {
      const rows = await tx.query<{ associate_id: string; store_id: string }>(
        `SELECT associate_id, store_id FROM ${this.#s}.purchases
          WHERE client_id = $1 AND kind = 'sale' AND associate_id IS NOT NULL AND store_id IS NOT NULL
          ORDER BY occurred_ts, transaction_id LIMIT 1`,
        [clientId],
      );
      candidate = rows[0];
    } else {
      // Signed totals (returns count against) over the 12 months before this sale, in one currency.
      const rows = await tx.query<{ associate_id: string; store_id: string }>(
        `SELECT associate_id, (array_agg(store_id ORDER BY occurred_ts DESC))[1] AS store_id
           FROM ${this.#s}.purchases
          WHERE client_id = $1 AND associate_id IS NOT NULL AND store_id IS NOT NULL
            AND occurred_ts > $2::timestamptz - make_interval(days => $3) AND occurred_ts <= $2::timestamptz
          GROUP BY associate_id
          HAVING sum(CASE WHEN reporting_currency = $4 THEN reporting_minor WHEN currency = $4 THEN amount_minor ELSE 0 END) > 0
          ORDER BY sum(CASE WHEN reporting_currency = $4 THEN reporting_minor WHEN currency = $4 THEN amount_minor ELSE 0 END) DESC,
                   max(occurred_ts) DESC, associate_id
          LIMIT 1`,
        [clientId, d.occurredAt, policy.windowDays, policy.reportingCurrency],
      );
      candidate = rows[0];
    }
    if (candidate === undefined) return;
    await this.#commands.book(clientId, {
      type: 'AutoAssignClient',
      meta: this.#commands.derivedMeta(`auto-assign:${event.id}:${clientId}`, 'system', event),
      policy,
      associateId: candidate.associate_id,
      storeId: candidate.store_id,
      reason:
        policy.mode === 'first-identified-sale'
          ? 'associate of the first identified sale'
          : 'highest spend in 12 months',
    });
  }
}
