import type { ClientDirectory } from '@maison/client-directory';
import {
  ClientDataPurged,
  ClientErased,
  deterministicEventId,
  profileErasureStream,
  type DataOf,
  type EventEnvelope,
} from '@maison/event-contracts';
import type { SqlQueryable } from '@maison/sql';
import type { ProfileCommands } from '../commands.js';

/** Every read-model table holding rows about a client, with the column naming it. */
const CLIENT_TABLES = [
  'profiles',
  'search_tokens',
  'occasions',
  'notes',
  'book_assignments',
  'book_stores',
  'book_history',
  'client_stores',
  'records',
  'purchases',
] as const;

/**
 * `ClientErased` → purge every read model of the client and of the ids merged into it, drop its
 * cache entries, remember the erasure (so no late or replayed event recreates the rows), and
 * report with `ClientDataPurged` on profiles.events.v1. The events themselves need no rewriting:
 * their personal data is encrypted under keys identity shreds.
 */
export class Erasure {
  readonly #s: string;
  readonly #directory: ClientDirectory;
  readonly #commands: ProfileCommands;
  readonly #invalidate: (clientIds: readonly string[]) => Promise<number>;

  constructor(
    quotedSchema: string,
    directory: ClientDirectory,
    commands: ProfileCommands,
    invalidate: (clientIds: readonly string[]) => Promise<number>,
  ) {
    this.#s = quotedSchema;
    this.#directory = directory;
    this.#commands = commands;
    this.#invalidate = invalidate;
  }

  async apply(event: EventEnvelope, tx: SqlQueryable): Promise<string[]> {
    if (event.type !== ClientErased.type) return [];
    const d = event.data as DataOf<typeof ClientErased>;
    const ids = [
      ...new Set([d.clientId, ...d.aliases, ...(await this.#directory.aliasesOf(tx, d.clientId))]),
    ];
    const purged: Record<string, number> = {};
    // Records waiting for an owner that only these clients' identifiers named go too.
    const refs = await tx.query(
      `DELETE FROM ${this.#s}.record_refs WHERE record_id IN (SELECT record_id FROM ${this.#s}.records WHERE client_id = ANY($1::text[])) RETURNING 1`,
      [ids],
    );
    purged['read_model.record_refs'] = refs.length;
    for (const table of CLIENT_TABLES) {
      const rows = await tx.query(
        `DELETE FROM ${this.#s}.${table} WHERE client_id = ANY($1::text[]) RETURNING 1`,
        [ids],
      );
      purged[`read_model.${table}`] = rows.length;
    }
    purged['read_model.directory'] = await this.#directory.forget(tx, ids);
    for (const id of ids)
      await tx.query(
        `INSERT INTO ${this.#s}.erased_clients (client_id, request_id, erased_at) VALUES ($1, $2, $3) ON CONFLICT (client_id) DO NOTHING`,
        [id, d.requestId, d.erasedAt],
      );
    purged.cache = await this.#invalidate(ids);
    const meta = this.#commands.derivedMeta(`erasure:${d.requestId}`, 'system', event);
    const streamId = profileErasureStream(d.requestId);
    await this.#commands.append(streamId, [
      {
        id: deterministicEventId({
          sourceSystem: 'profiles',
          sourceId: d.requestId,
          type: ClientDataPurged.type,
        }),
        type: ClientDataPurged.type,
        schemaVersion: 1,
        streamId,
        subjectId: d.clientId,
        occurredAt: meta.now,
        recordedAt: meta.now,
        region: meta.region,
        source: { system: 'profiles', actor: 'system' },
        correlationId: event.correlationId,
        causationId: event.id,
        data: {
          requestId: d.requestId,
          clientId: d.clientId,
          service: 'profiles',
          purged,
          suppressed: [],
          completedAt: meta.now,
        } satisfies DataOf<typeof ClientDataPurged>,
      },
    ]);
    return ids;
  }
}
