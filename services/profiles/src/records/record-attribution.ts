import type { ClientDirectory } from '@maison/client-directory';
import type { EventEnvelope, ProfileIngestRecord } from '@maison/event-contracts';
import type { SqlQueryable } from '@maison/sql';
import type { ProfileCommands } from '../commands.js';
import { fieldsFromRecord } from '../profile/profile.fields.js';
import { type CustomerRecordReceivedData } from '../profile/profile.events.js';
import { sourceKindOf } from '../profile/survivorship.js';

/**
 * Source records wait here, by blind index, until identity says whose they are. Both sides of the
 * race — a record arriving, identity linking one of its identifiers — take the same per-index
 * advisory locks in their transaction, so whichever commits second sees the other: a record is
 * never left pending because its link committed in between.
 */
export class RecordAttribution {
  readonly #s: string;
  readonly #directory: ClientDirectory;
  readonly #commands: ProfileCommands;

  constructor(quotedSchema: string, directory: ClientDirectory, commands: ProfileCommands) {
    this.#s = quotedSchema;
    this.#directory = directory;
    this.#commands = commands;
  }

  static async lock(tx: SqlQueryable, indexes: readonly string[]): Promise<void> {
    for (const index of [...new Set(indexes)].sort())
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `profiles.record-index:${index}`,
      ]);
  }

  /** A CustomerRecordReceived of the store (from the projection, in its transaction). */
  async received(event: EventEnvelope, tx: SqlQueryable): Promise<string | undefined> {
    const d = event.data as CustomerRecordReceivedData;
    await RecordAttribution.lock(
      tx,
      d.customer.map((c) => c.index),
    );
    const inserted = await tx.query(
      `INSERT INTO ${this.#s}.records (record_id, stream_id, store_id, status, received_at)
       VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT (record_id) DO NOTHING RETURNING 1`,
      [d.recordId, event.streamId, d.storeId, event.recordedAt],
    );
    if (inserted.length === 0) return undefined; // a replay: already handled
    for (const [position, ref] of d.customer.entries())
      await tx.query(
        `INSERT INTO ${this.#s}.record_refs (identifier_index, record_id, position) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
        [ref.index, d.recordId, position],
      );
    return this.#attribute(tx, event);
  }

  /** Identity changed who owns these indexes: records waiting on them may now have an owner. */
  async ownersChanged(tx: SqlQueryable, indexes: readonly string[]): Promise<string[]> {
    if (indexes.length === 0) return [];
    await RecordAttribution.lock(tx, indexes);
    const pending = await tx.query<{ stream_id: string }>(
      `SELECT DISTINCT r.stream_id FROM ${this.#s}.record_refs rr
         JOIN ${this.#s}.records r ON r.record_id = rr.record_id
        WHERE rr.identifier_index = ANY($1::text[]) AND r.status = 'pending'`,
      [[...indexes]],
    );
    const owners: string[] = [];
    for (const row of pending) {
      const event = await this.#commands.readEvent(row.stream_id);
      if (event === undefined) continue;
      const owner = await this.#attribute(tx, event);
      if (owner !== undefined) owners.push(owner);
    }
    return owners;
  }

  async #attribute(tx: SqlQueryable, event: EventEnvelope): Promise<string | undefined> {
    const d = event.data as CustomerRecordReceivedData;
    const owner = await this.#directory.attribute(tx, d.customer);
    if (owner === null) return undefined;
    const erased = await tx.query(`SELECT 1 FROM ${this.#s}.erased_clients WHERE client_id = $1`, [
      owner.clientId,
    ]);
    if (erased.length > 0) {
      await tx.query(`UPDATE ${this.#s}.records SET status = 'discarded' WHERE record_id = $1`, [
        d.recordId,
      ]);
      return undefined;
    }
    await tx.query(
      `UPDATE ${this.#s}.records SET status = 'applied', client_id = $2 WHERE record_id = $1`,
      [d.recordId, owner.clientId],
    );
    if (d.storeId !== null)
      await tx.query(
        `INSERT INTO ${this.#s}.client_stores (client_id, store_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [owner.clientId, d.storeId],
      );
    await tx.query(
      `INSERT INTO ${this.#s}.profiles (client_id, updated_at) VALUES ($1, $2) ON CONFLICT (client_id) DO NOTHING`,
      [owner.clientId, event.recordedAt],
    );
    // An erased source key decrypts to a marker string, not fields: nothing to apply then.
    const fields =
      typeof d.fields === 'object' && d.fields !== null
        ? (d.fields as ProfileIngestRecord['fields'])
        : {};
    await this.#commands.profile(owner.clientId, {
      type: 'ApplyCustomerRecord',
      meta: this.#commands.derivedMeta(`record:${d.recordId}:${owner.clientId}`, 'system', event),
      recordId: d.recordId,
      sourceSystem: d.sourceSystem,
      sourceKind: sourceKindOf(this.#commands.config.survivorship, d.sourceSystem),
      occurredAt: event.occurredAt,
      writes: fieldsFromRecord(fields),
    });
    return owner.clientId;
  }
}
