import {
  deterministicEventId,
  profileIngestRecord,
  type ProfileIngestRecord,
} from '@maison/event-contracts';
import { isIdentifierType } from '@maison/identifiers';
import { normaliseReferences, type ServiceContext } from '@maison/runtime';
import { ValidationError, type FieldError } from '@maison/service-kit';
import type { ProfileCommands } from '../commands.js';
import type { StoreInfo } from '../config.js';
import { CustomerRecordReceived, profileRecordStream } from '../profile/profile.events.js';

export type IngestOutcome =
  | { readonly kind: 'recorded'; readonly recordId: string }
  | { readonly kind: 'suppressed' }
  | { readonly kind: 'invalid'; readonly detail: string; readonly errors: readonly FieldError[] };

/** zod issue paths and messages only: never the values (they are personal data). */
function issues(error: {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): FieldError[] {
  return error.issues.map((i) => ({
    pointer: `/${i.path.map(String).join('/')}`,
    detail: i.message,
  }));
}

/**
 * An ingest.profiles.v1 record (or the same JSON posted by REST) → `CustomerRecordReceived` on
 * `profiles-record-<recordId>`. The record id and event id derive from source, source id and the
 * source's change time, so a redelivered message or a retried post dedupes in the store.
 * References are normalised with the store's country and matched by blind index only; a record
 * naming an erased (suppressed) identifier is dropped, so a re-import cannot bring a client back.
 */
export async function ingestRecord(
  ctx: ServiceContext,
  commands: ProfileCommands,
  stores: Readonly<Record<string, StoreInfo>>,
  input: unknown,
): Promise<IngestOutcome> {
  const parsed = profileIngestRecord.safeParse(input);
  if (!parsed.success)
    return {
      kind: 'invalid',
      detail: 'record does not match ingest.profiles.v1',
      errors: issues(parsed.error),
    };
  const record: ProfileIngestRecord = parsed.data;
  const storeId = record.storeId ?? null;
  const country =
    storeId === null
      ? (record.fields.country ?? null)
      : (stores[storeId]?.country ?? record.fields.country ?? null);
  const refs = normaliseReferences(ctx.privacy, record.customer, country);
  if (!refs.ok)
    return {
      kind: 'invalid',
      detail: `customer.${String(refs.index)}.${refs.issue.field}: ${refs.issue.reason}`,
      errors: [
        {
          pointer: `/customer/${String(refs.index)}/${refs.issue.field}`,
          detail: refs.issue.message,
        },
      ],
    };
  for (const ref of refs.references) {
    if (isIdentifierType(ref.type) && (await ctx.privacy.isSuppressed(ref.type, ref.index)))
      return { kind: 'suppressed' };
  }
  const sourceId = `${record.sourceRecordId}@${record.occurredAt}`;
  const recordId = deterministicEventId({
    sourceSystem: record.sourceSystem,
    sourceId,
    type: 'ProfileRecord',
  });
  const eventId = deterministicEventId({
    sourceSystem: record.sourceSystem,
    sourceId,
    type: CustomerRecordReceived.type,
  });
  const streamId = profileRecordStream(recordId);
  await commands.append(streamId, [
    {
      id: eventId,
      type: CustomerRecordReceived.type,
      schemaVersion: 1,
      streamId,
      subjectId: null,
      occurredAt: record.occurredAt,
      recordedAt: ctx.clock().toISOString(),
      region: record.region,
      source: { system: record.sourceSystem, ...(storeId === null ? {} : { instance: storeId }) },
      correlationId: eventId,
      causationId: null,
      data: {
        recordId,
        sourceSystem: record.sourceSystem,
        sourceRecordId: record.sourceRecordId,
        region: record.region,
        storeId,
        customer: refs.references,
        fields: record.fields,
      },
    },
  ]);
  return { kind: 'recorded', recordId };
}

/** For REST: an invalid record is a 400 with pointers. */
export function assertRecorded(outcome: IngestOutcome): void {
  if (outcome.kind === 'invalid')
    throw new ValidationError('The record is invalid.', outcome.errors);
}
