import type { ClientDirectory } from '@maison/client-directory';
import {
  ClientsMerged,
  ClientUnmerged,
  IdentifierLinked,
  IdentifierUnlinked,
  type DataOf,
  type EventEnvelope,
} from '@maison/event-contracts';
import type { SqlQueryable } from '@maison/sql';
import type { ProfileCommands } from '../commands.js';
import { RecordAttribution } from '../records/record-attribution.js';

function indexesOf(event: EventEnvelope): string[] {
  switch (event.type) {
    case IdentifierLinked.type:
      return [(event.data as DataOf<typeof IdentifierLinked>).identifier.index];
    case IdentifierUnlinked.type:
      return [(event.data as DataOf<typeof IdentifierUnlinked>).identifier.index];
    case ClientsMerged.type:
      return (event.data as DataOf<typeof ClientsMerged>).movedIdentifiers.map((r) => r.index);
    case ClientUnmerged.type:
      return (event.data as DataOf<typeof ClientUnmerged>).restoredIdentifiers.map((r) => r.index);
    default:
      return [];
  }
}

/**
 * What identity's decisions mean for profiles: the directory (who owns which index, which ids
 * were merged), records waiting for those indexes, and on a merge the survivor taking in the
 * merged profiles and books — undone exactly by the unmerge. Returns the clients whose cached
 * views are stale.
 */
export class IdentityEffects {
  readonly #s: string;
  readonly #directory: ClientDirectory;
  readonly #records: RecordAttribution;
  readonly #commands: ProfileCommands;

  constructor(
    quotedSchema: string,
    directory: ClientDirectory,
    records: RecordAttribution,
    commands: ProfileCommands,
  ) {
    this.#s = quotedSchema;
    this.#directory = directory;
    this.#records = records;
    this.#commands = commands;
  }

  async #erased(tx: SqlQueryable, ids: readonly string[]): Promise<Set<string>> {
    const rows = await tx.query<{ client_id: string }>(
      `SELECT client_id FROM ${this.#s}.erased_clients WHERE client_id = ANY($1::text[])`,
      [[...ids]],
    );
    return new Set(rows.map((r) => r.client_id));
  }

  async apply(event: EventEnvelope, tx: SqlQueryable): Promise<string[]> {
    // Same locks as a record arriving: whichever commits second sees the other.
    await RecordAttribution.lock(tx, indexesOf(event));
    const change = await this.#directory.apply(tx, event);
    const touched = new Set<string>(await this.#records.ownersChanged(tx, change.indexes));
    if (event.type === ClientsMerged.type) {
      const d = event.data as DataOf<typeof ClientsMerged>;
      const erased = await this.#erased(tx, [d.survivorId, ...d.mergedIds]);
      if (!erased.has(d.survivorId)) {
        const merged = d.mergedIds.filter((id) => id !== d.survivorId && !erased.has(id));
        const profiles = await Promise.all(
          merged.map(async (id) => ({ id, state: await this.#commands.loadProfile(id) })),
        );
        const books = await Promise.all(merged.map((id) => this.#commands.loadBook(id)));
        await this.#commands.profile(d.survivorId, {
          type: 'MergeProfiles',
          meta: this.#commands.derivedMeta(
            `merge:${d.mergeId}:${d.survivorId}:profile`,
            d.actor,
            event,
          ),
          mergeId: d.mergeId,
          mergedIds: d.mergedIds,
          absorbed: profiles.map((p) => ({ clientId: p.id, fields: p.state.effective })),
        });
        await this.#commands.book(d.survivorId, {
          type: 'MergeClientBooks',
          meta: this.#commands.derivedMeta(
            `merge:${d.mergeId}:${d.survivorId}:book`,
            d.actor,
            event,
          ),
          mergeId: d.mergeId,
          absorbed: books,
        });
        for (const id of [d.survivorId, ...merged]) touched.add(id);
      }
    }
    if (event.type === ClientUnmerged.type) {
      const d = event.data as DataOf<typeof ClientUnmerged>;
      const erased = await this.#erased(tx, [d.survivorId]);
      if (!erased.has(d.survivorId)) {
        await this.#commands.profile(d.survivorId, {
          type: 'RevertProfileMerge',
          meta: this.#commands.derivedMeta(
            `unmerge:${d.mergeId}:${d.restoredClientId}:profile`,
            d.actor,
            event,
          ),
          mergeId: d.mergeId,
          restoredClientId: d.restoredClientId,
        });
        await this.#commands.book(d.survivorId, {
          type: 'RevertClientBookMerge',
          meta: this.#commands.derivedMeta(
            `unmerge:${d.mergeId}:${d.restoredClientId}:book`,
            d.actor,
            event,
          ),
          mergeId: d.mergeId,
        });
      }
      touched.add(d.survivorId);
      touched.add(d.restoredClientId);
    }
    return [...touched];
  }
}
