import { expect, it } from '@jest/globals';
import { openEmbeddedDatabase } from '@maison/sql';
import { eventually } from '@maison/testing';
import { applyToReadModel, testEvent } from '../test/fixtures.js';
import {
  eventMessage,
  IdempotentConsumer,
  InProcessBus,
  ensureProcessedEventsTable,
} from './index.js';

// The embedded platform's path: PGlite + the in-process bus, same consumer code as with Kafka.
it('applies each event once on PGlite, duplicates and redeliveries included', async () => {
  const db = await openEmbeddedDatabase();
  const bus = new InProcessBus();
  try {
    await ensureProcessedEventsTable(db, 'rm');
    await db.exec('CREATE TABLE rm.applied (event_id uuid PRIMARY KEY, times int NOT NULL)');
    const producer = await bus.createProducer();
    const events = Array.from({ length: 50 }, (_, i) => testEvent(i, `client-${String(i % 5)}`));
    // every event twice: a producer retry
    await producer.send('t', [...events, ...events].map(eventMessage));
    const outcomes: string[] = [];
    const consumer = new IdempotentConsumer({
      name: 'rm',
      topics: ['t'],
      consumer: bus.createConsumer({ groupId: 'rm' }),
      producer,
      database: db,
      schema: 'rm',
      handler: (event, tx) => applyToReadModel(tx, 'rm', event),
      onOutcome: (o) => outcomes.push(o.kind),
    });
    await consumer.start();
    await eventually(() => (outcomes.length >= 100 ? true : undefined), { what: '100 outcomes' });
    await consumer.stop();
    const rows = await db.query<{ n: number; max: number }>(
      'SELECT count(*)::int AS n, max(times) AS max FROM rm.applied',
    );
    expect(rows[0]).toEqual({ n: 50, max: 1 });
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(50);
  } finally {
    await db.close();
  }
});
