import { dlqTopicName, TOPICS } from '@maison/event-contracts';
import { deadLetter, type IncomingMessage, type MessageConsumer } from '@maison/messaging';
import type { ServiceContext } from '@maison/runtime';
import type { ProfileCommands } from '../commands.js';
import type { StoreInfo } from '../config.js';
import { ingestRecord } from '../records/record-ingest.js';

/**
 * `ingest.profiles.v1` → `CustomerRecordReceived`. Plain JSON records from brand IT and from the
 * transactions service's Shopify customer webhooks. The offset is committed only after the append
 * (the handler resolves); an unusable message goes to `ingest.profiles.v1.dlq` with a reason and
 * the paths at fault, never the values. A failing append (the database) throws: the consumer
 * restarts from the last committed offset and the deterministic event id dedupes the replay.
 */
export class IngestConsumer {
  readonly #ctx: ServiceContext;
  readonly #commands: ProfileCommands;
  readonly #stores: Readonly<Record<string, StoreInfo>>;
  readonly #consumer: MessageConsumer;
  readonly #topic: string;
  readonly #onOutcome: ((outcome: string) => void) | undefined;

  constructor(
    ctx: ServiceContext,
    commands: ProfileCommands,
    stores: Readonly<Record<string, StoreInfo>>,
    onOutcome?: (outcome: string) => void,
  ) {
    this.#ctx = ctx;
    this.#commands = commands;
    this.#stores = stores;
    this.#topic = ctx.names.topic(TOPICS.ingestProfiles);
    this.#consumer = ctx.broker.createConsumer({ groupId: ctx.names.group('profiles.ingest') });
    this.#onOutcome = onOutcome;
  }

  start(): Promise<void> {
    // Offsets are marked only once a message's append (or dead letter) is done, and committed
    // in groups: a restart replays at most the uncommitted tail, which the event ids dedupe.
    return this.#consumer.run({
      topics: [this.#topic],
      commit: { everyMessages: 100, intervalMs: 1_000 },
      eachMessage: (m) => this.handle(m),
    });
  }

  stop(): Promise<void> {
    return this.#consumer.stop();
  }

  async handle(message: IncomingMessage): Promise<void> {
    if (message.value === null || message.value.length === 0) {
      await this.#deadLetter(message, 'empty-message', 'no value');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(message.value.toString('utf8'));
    } catch (error) {
      await this.#deadLetter(
        message,
        'invalid-json',
        error instanceof Error ? error.name : 'parse error',
      );
      return;
    }
    const outcome = await ingestRecord(this.#ctx, this.#commands, this.#stores, json);
    if (outcome.kind === 'invalid') {
      const detail = `${outcome.detail}; ${outcome.errors.map((e) => `${e.pointer}: ${e.detail}`).join('; ')}`;
      await this.#deadLetter(message, 'invalid-record', detail.slice(0, 300));
      return;
    }
    if (outcome.kind === 'suppressed')
      this.#ctx.logger.info(
        { topic: message.topic, partition: message.partition, offset: message.offset },
        'record of an erased client dropped',
      );
    this.#onOutcome?.(outcome.kind);
  }

  async #deadLetter(
    message: IncomingMessage,
    reason: 'empty-message' | 'invalid-json' | 'invalid-record',
    detail: string,
  ): Promise<void> {
    await this.#ctx.producer.send(dlqTopicName(message.topic), [
      deadLetter(message, reason, detail),
    ]);
    this.#ctx.logger.warn(
      { topic: message.topic, partition: message.partition, offset: message.offset, reason },
      'ingest record dead-lettered',
    );
    this.#onOutcome?.(`dead-lettered:${reason}`);
  }
}
