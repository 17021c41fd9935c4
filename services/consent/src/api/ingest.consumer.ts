import { TOPICS, deterministicEventId } from '@maison/event-contracts';
import { deadLetter, type IncomingMessage, type MessageConsumer } from '@maison/messaging';
import type { ServiceContext } from '@maison/runtime';
import { ApplicationError, ValidationError, fieldErrors } from '@maison/service-kit';
import type { ConsentApp } from '../application.js';
import { consentIngestRecord } from '../sources/ingest-record.js';

/**
 * The consumer of `ingest.consent.v1` (plain JSON from brand IT, CMPs, web forms): schema-invalid
 * records go to `ingest.consent.v1.dlq` as `invalid-record`, records a rule refuses (missing
 * evidence, unknown notice version, erased client, rejected TC string) as `rejected`, with the
 * field pointers only (never values). The offset is committed only after the append.
 */
export function ingestConsumer(
  ctx: ServiceContext,
  app: ConsentApp,
): { start(): Promise<void>; stop(): Promise<void> } {
  const topic = ctx.names.topic(TOPICS.ingestConsent);
  let consumer: MessageConsumer | undefined;
  const dlq = async (
    m: IncomingMessage,
    reason: Parameters<typeof deadLetter>[1],
    detail: string,
  ) => {
    ctx.logger.warn(
      { topic: m.topic, partition: m.partition, offset: m.offset, reason },
      'consent ingest record dead-lettered',
    );
    await ctx.producer.send(`${topic}.dlq`, [deadLetter(m, reason, detail.slice(0, 300))]);
  };
  const handle = async (m: IncomingMessage): Promise<void> => {
    if (m.value === null || m.value.length === 0) return dlq(m, 'empty-message', 'no value');
    let json: unknown;
    try {
      json = JSON.parse(m.value.toString('utf8'));
    } catch {
      return dlq(m, 'invalid-json', 'SyntaxError');
    }
    const parsed = consentIngestRecord.safeParse(json);
    if (!parsed.success)
      return dlq(
        m,
        'invalid-record',
        fieldErrors(parsed.error)
          .map((e) => `${e.pointer}: ${e.detail}`)
          .join('; '),
      );
    const r = parsed.data;
    const source = { system: r.sourceSystem, instance: 'ingest.consent.v1' };
    try {
      if (r.tcString !== undefined)
        await app.recordTcf({
          ...(r.clientId ? { clientId: r.clientId } : {}),
          ...(r.customer ? { customer: r.customer } : {}),
          ...(r.storeCountry ? { storeCountry: r.storeCountry } : {}),
          ...(r.jurisdiction ? { jurisdiction: r.jurisdiction } : {}),
          tcString: r.tcString,
          point: r.collectionPoint ?? r.sourceSystem,
          source,
          sourceSystem: r.sourceSystem,
          sourceId: r.sourceRecordId,
        });
      else if (r.consent !== undefined)
        await app.record({
          ...(r.clientId ? { clientId: r.clientId } : {}),
          ...(r.customer ? { customer: r.customer } : {}),
          ...(r.storeCountry ? { storeCountry: r.storeCountry } : {}),
          evidence: r.consent,
          strength: 'full',
          eventId: deterministicEventId({
            sourceSystem: r.sourceSystem,
            sourceId: r.sourceRecordId,
            type: 'ConsentRecorded',
          }),
          source,
        });
    } catch (error) {
      if (!(error instanceof ApplicationError) || error.status >= 500) throw error; // infrastructure: retry from the last offset
      const detail =
        error instanceof ValidationError && error.errors.length > 0
          ? error.errors.map((e) => e.pointer).join(', ')
          : error.kind;
      return dlq(m, 'rejected', `${error.kind}: ${detail}`);
    }
  };
  return {
    async start() {
      consumer = ctx.broker.createConsumer({ groupId: ctx.names.group('consent.ingest') });
      await consumer.run({ topics: [topic], eachMessage: handle });
    },
    async stop() {
      await consumer?.stop();
    },
  };
}
