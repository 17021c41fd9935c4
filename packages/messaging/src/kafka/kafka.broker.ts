import kafkajs, {
  type Admin,
  type Consumer,
  type IHeaders,
  type KafkaMessage,
  type LogEntry as KafkaLogEntry,
  type Producer,
} from 'kafkajs';
import type { TopicSpec } from '@maison/event-contracts';
import {
  expandTopicSpecs,
  type ConsumerOptions,
  type ConsumerRunOptions,
  type EnsureTopicsOptions,
  type IncomingMessage,
  type LogEntry,
  type MessageBroker,
  type MessageConsumer,
  type MessageHeaders,
  type MessageProducer,
  type MessagingLogger,
  type OutgoingMessage,
  type PartitionOffset,
  type TopicAdmin,
  type TopicDescription,
} from '../port.js';

// kafkajs is CommonJS and Node's ESM loader cannot see all of its named exports.
const { ConfigResourceTypes, Kafka, logLevel, Partitioners } = kafkajs;

export interface KafkaBrokerOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Where kafkajs logs go (warnings and errors only). Without it kafkajs is silent. */
  readonly logger?: MessagingLogger;
  readonly replicationFactor?: number;
}

function kafkaLogCreator(logger: MessagingLogger) {
  const levels: Partial<Record<number, LogEntry['level']>> = {
    [logLevel.ERROR]: 'error',
    [logLevel.WARN]: 'warn',
    [logLevel.INFO]: 'info',
    [logLevel.DEBUG]: 'debug',
  };
  return () =>
    ({ level, namespace, log }: KafkaLogEntry): void => {
      // kafkajs log entries carry broker and topic metadata, never message payloads.
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      logger({ level: levels[level] ?? 'info', message, fields: { namespace, ...fields } });
    };
}

/** Messaging on Apache Kafka through kafkajs. */
export class KafkaBroker implements MessageBroker {
  readonly #kafka: InstanceType<typeof Kafka>;
  readonly #replicationFactor: number;

  constructor(options: KafkaBrokerOptions) {
    this.#replicationFactor = options.replicationFactor ?? 1;
    this.#kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: options.logger ? logLevel.WARN : logLevel.NOTHING,
      ...(options.logger ? { logCreator: kafkaLogCreator(options.logger) } : {}),
    });
  }

  async createProducer(): Promise<MessageProducer> {
    const producer = this.#kafka.producer({
      idempotent: true,
      // One request in flight keeps per-partition order even across retries.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return new KafkaProducer(producer);
  }

  createConsumer(options: ConsumerOptions): MessageConsumer {
    return new KafkaConsumer(
      this.#kafka.consumer({
        groupId: options.groupId,
        allowAutoTopicCreation: false,
        ...(options.sessionTimeoutMs === undefined
          ? {}
          : {
              sessionTimeout: options.sessionTimeoutMs,
              heartbeatInterval: Math.max(100, Math.floor(options.sessionTimeoutMs / 10)),
            }),
      }),
    );
  }

  async createAdmin(): Promise<TopicAdmin> {
    const admin = this.#kafka.admin();
    await admin.connect();
    return new KafkaTopicAdmin(admin, this.#replicationFactor);
  }
}

class KafkaProducer implements MessageProducer {
  readonly #producer: Producer;
  constructor(producer: Producer) {
    this.#producer = producer;
  }

  async send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.#producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({
        key: m.key,
        value: m.value,
        ...(m.headers ? { headers: { ...m.headers } } : {}),
      })),
    });
  }

  close(): Promise<void> {
    return this.#producer.disconnect();
  }
}

function textHeaders(headers: IHeaders | undefined): MessageHeaders {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

function incoming(topic: string, partition: number, m: KafkaMessage): IncomingMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key,
    value: m.value,
    headers: textHeaders(m.headers),
  };
}

class KafkaConsumer implements MessageConsumer {
  readonly #consumer: Consumer;
  #connected = false;
  #stopped = false;

  constructor(consumer: Consumer) {
    this.#consumer = consumer;
  }

  async run(options: ConsumerRunOptions): Promise<void> {
    await this.#consumer.connect();
    this.#connected = true;
    await this.#consumer.subscribe({
      topics: [...options.topics],
      fromBeginning: options.fromBeginning ?? true,
    });
    const { eachMessage, eachBatch } = options;
    // kafkajs commits only resolved offsets; resolving after the handler gives at-least-once.
    await this.#consumer.run({
      autoCommit: true,
      autoCommitThreshold: options.commit?.everyMessages ?? 1,
      ...(options.commit?.intervalMs !== undefined
        ? { autoCommitInterval: options.commit.intervalMs }
        : {}),
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        const { batch } = payload;
        const active = (): boolean => payload.isRunning() && !payload.isStale();
        if (eachBatch) {
          await eachBatch({
            topic: batch.topic,
            partition: batch.partition,
            messages: batch.messages.map((m) => incoming(batch.topic, batch.partition, m)),
            markProcessed: (m) => {
              payload.resolveOffset(m.offset);
            },
            // a long batch handled in steps stays in the group: each step's commit also heartbeats
            commit: async () => {
              await payload.commitOffsetsIfNecessary();
              await payload.heartbeat();
            },
            isActive: active,
          });
          await payload.commitOffsetsIfNecessary();
          return;
        }
        for (const m of batch.messages) {
          if (!active()) break;
          await eachMessage(incoming(batch.topic, batch.partition, m));
          payload.resolveOffset(m.offset);
          await payload.commitOffsetsIfNecessary();
          await payload.heartbeat();
        }
      },
    });
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    // disconnect() stops the run loop, commits resolved offsets and leaves the group.
    if (this.#connected) await this.#consumer.disconnect();
  }
}

class KafkaTopicAdmin implements TopicAdmin {
  readonly #admin: Admin;
  readonly #replicationFactor: number;

  constructor(admin: Admin, replicationFactor: number) {
    this.#admin = admin;
    this.#replicationFactor = replicationFactor;
  }

  async ensureTopics(
    specs: readonly TopicSpec[],
    options?: EnsureTopicsOptions,
  ): Promise<string[]> {
    const wanted = expandTopicSpecs(specs, options);
    const existing = new Set(await this.#admin.listTopics());
    const missing = wanted.filter((s) => !existing.has(s.name));
    if (missing.length > 0) {
      await this.#admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor: this.#replicationFactor,
          configEntries: configEntries(s),
        })),
      });
    }
    const present = wanted.filter((s) => existing.has(s.name));
    if (present.length > 0) await this.#align(present);
    return missing.map((s) => s.name);
  }

  async #align(specs: readonly TopicSpec[]): Promise<void> {
    const metadata = await this.#admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
    const counts = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
    const grow = specs.filter((s) => (counts.get(s.name) ?? 0) < s.partitions);
    if (grow.length > 0) {
      await this.#admin.createPartitions({
        topicPartitions: grow.map((s) => ({ topic: s.name, count: s.partitions })),
      });
    }
    await this.#admin.alterConfigs({
      validateOnly: false,
      resources: specs.map((s) => ({
        type: ConfigResourceTypes.TOPIC,
        name: s.name,
        configEntries: configEntries(s),
      })),
    });
  }

  async describeTopic(name: string): Promise<TopicDescription | undefined> {
    const topics = await this.#admin.listTopics();
    if (!topics.includes(name)) return undefined;
    const metadata = await this.#admin.fetchTopicMetadata({ topics: [name] });
    const configs = await this.#admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: ['retention.ms', 'cleanup.policy'],
        },
      ],
    });
    const entries = configs.resources[0]?.configEntries ?? [];
    const value = (key: string): string | undefined =>
      entries.find((e) => e.configName === key)?.configValue;
    return {
      name,
      partitions: metadata.topics[0]?.partitions.length ?? 0,
      retentionMs: Number(value('retention.ms')),
      cleanupPolicy: value('cleanup.policy') ?? '',
    };
  }

  async deleteTopicsWithPrefix(prefix: string): Promise<string[]> {
    // An empty prefix would delete everything: refuse rather than trust every caller.
    if (prefix.length < 3) throw new RangeError('refusing to delete topics with a short prefix');
    const topics = (await this.#admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await this.#admin.deleteTopics({ topics, timeout: 10_000 });
    return topics;
  }

  async endOffsets(topic: string): Promise<readonly PartitionOffset[]> {
    const offsets = await this.#admin.fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, offset: o.high }))
      .sort((a, b) => a.partition - b.partition);
  }

  close(): Promise<void> {
    return this.#admin.disconnect();
  }
}

function configEntries(s: TopicSpec): { name: string; value: string }[] {
  return [
    { name: 'retention.ms', value: String(s.retentionMs) },
    { name: 'cleanup.policy', value: s.cleanupPolicy },
  ];
}
