import type { SqlQueryable } from '@maison/sql';
import { newEventId, type EventEnvelope } from '@maison/event-contracts';
import type pg from 'pg';

/** A valid envelope about `subjectId` carrying a sequence number. */
export function testEvent(n: number, subjectId: string, id = newEventId()): EventEnvelope {
  return {
    id,
    type: 'CounterIncremented',
    schemaVersion: 1,
    streamId: `counter-${subjectId}`,
    subjectId,
    occurredAt: '2026-01-01T10:00:00+01:00',
    recordedAt: '2026-01-01T09:00:00Z',
    region: 'EU',
    source: { system: 'test' },
    correlationId: id,
    causationId: null,
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    data: { n },
  };
}

/** The read model of the tests: how many times each event was applied (must end at exactly 1). */
export async function createReadModel(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(
    `CREATE TABLE IF NOT EXISTS "${schema}".applied (event_id uuid PRIMARY KEY, times int NOT NULL)`,
  );
}

export async function applyToReadModel(
  tx: SqlQueryable,
  schema: string,
  event: EventEnvelope,
): Promise<void> {
  await tx.query(
    `INSERT INTO "${schema}".applied (event_id, times) VALUES ($1, 1)
     ON CONFLICT (event_id) DO UPDATE SET times = applied.times + 1`,
    [event.id],
  );
}

export async function readModelStats(
  pool: pg.Pool,
  schema: string,
): Promise<{ events: number; applications: number; maxTimes: number }> {
  const { rows } = await pool.query<{ events: string; applications: string; max: number | null }>(
    `SELECT count(*) AS events, coalesce(sum(times), 0) AS applications, max(times) AS max
       FROM "${schema}".applied`,
  );
  const row = rows[0];
  return {
    events: Number(row?.events ?? 0),
    applications: Number(row?.applications ?? 0),
    maxTimes: row?.max ?? 0,
  };
}
