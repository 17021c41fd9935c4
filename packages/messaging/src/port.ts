import { dlqTopic, type TopicSpec } from '@maison/event-contracts';

/** Header values are text on both sides: ids, types, versions, trace context. Never PII. */
export type MessageHeaders = Readonly<Record<string, string>>;

export interface OutgoingMessage {
  /** Decides the partition, hence the order: the client id, or the stream id before resolution. */
  readonly key: string | null;
  readonly value: Buffer | string;
  readonly headers?: MessageHeaders;
}

export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  /** Decimal string: Kafka offsets are 64-bit. */
  readonly offset: string;
  readonly key: Buffer | null;
  /** The bytes as produced (null for a tombstone). */
  readonly value: Buffer | null;
  readonly headers: MessageHeaders;
}

export interface MessageProducer {
  /** Resolves once every replica in sync has the messages (acks = all). */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** The messages of one partition handed over together; mark each one once it is fully handled. */
export interface MessageBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly IncomingMessage[];
  /** Marks the message (and everything before it in the partition) as processed: its offset may be committed. */
  markProcessed(message: IncomingMessage): void;
  /**
   * Commits what has been marked, now (otherwise the commit policy decides when); on Kafka it also
   * heartbeats, so a batch handled in steps that commit does not outlive the group session.
   */
  commit(): Promise<void>;
  /** False once the consumer is stopping or lost the partition: stop early, unmarked messages come again. */
  isActive(): boolean;
}

export interface CommitPolicy {
  /** Commit once this many processed offsets are pending. 1 = after every message (the default). */
  readonly everyMessages?: number;
  /** And at least this often while messages flow. */
  readonly intervalMs?: number;
}

export type ConsumerRunOptions = {
  readonly topics: readonly string[];
  /** Where a group without a committed offset starts. Default: the beginning. */
  readonly fromBeginning?: boolean;
  readonly commit?: CommitPolicy;
} & (
  | {
      /**
       * One message at a time per partition. The offset counts as processed when the handler
       * resolves; if it throws, the consumer restarts from the last committed offset.
       */
      readonly eachMessage: (message: IncomingMessage) => Promise<void>;
      readonly eachBatch?: never;
    }
  | { readonly eachBatch: (batch: MessageBatch) => Promise<void>; readonly eachMessage?: never }
);

export interface MessageConsumer {
  /** Joins the group and starts delivering; resolves once running. */
  run(options: ConsumerRunOptions): Promise<void>;
  /** Stops delivering, commits what was processed, leaves the group. Idempotent. */
  stop(): Promise<void>;
}

export interface ConsumerOptions {
  readonly groupId: string;
  /** How soon the group gives up on a silent member and hands its partitions on (Kafka default 30 s). */
  readonly sessionTimeoutMs?: number;
}

export interface TopicDescription {
  readonly name: string;
  readonly partitions: number;
  readonly retentionMs: number;
  readonly cleanupPolicy: string;
}

export interface EnsureTopicsOptions {
  /** Also ensure each topic's `.dlq` topic (default true). */
  readonly withDeadLetters?: boolean;
  /** Prepended to every name: isolated copies of the registry for tests and previews. */
  readonly namePrefix?: string;
}

export interface TopicAdmin {
  /**
   * Creates missing topics with the spec's partitions, `retention.ms` and `cleanup.policy`; aligns
   * the settings of existing ones (partitions only grow). Safe to run at every start.
   * Returns the names it created.
   */
  ensureTopics(specs: readonly TopicSpec[], options?: EnsureTopicsOptions): Promise<string[]>;
  /** Undefined when the topic does not exist. */
  describeTopic(name: string): Promise<TopicDescription | undefined>;
  /** Deletes the topics whose names start with `prefix` (test clean-up); returns their names. */
  deleteTopicsWithPrefix(prefix: string): Promise<string[]>;
  /**
   * The next offset to be written in each partition of the topic (the high watermark), for
   * consumers that must know when they have caught up (model rebuilds, replays). Optional: a
   * backend without it cannot tell, and callers say so.
   */
  endOffsets?(topic: string): Promise<readonly PartitionOffset[]>;
  close(): Promise<void>;
}

export interface PartitionOffset {
  readonly partition: number;
  /** Decimal string: Kafka offsets are 64-bit. */
  readonly offset: string;
}

/** One messaging backend (Kafka, the in-process bus): what services are given at start. */
export interface MessageBroker {
  createProducer(): Promise<MessageProducer>;
  createConsumer(options: ConsumerOptions): MessageConsumer;
  createAdmin(): Promise<TopicAdmin>;
}

export interface LogEntry {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly message: string;
  /** Technical fields only (topic, partition, offset, error name): never payloads. */
  readonly fields?: Readonly<Record<string, unknown>>;
}
export type MessagingLogger = (entry: LogEntry) => void;

/** The specs to ensure: each topic and (unless disabled) its dead-letter topic, names prefixed. */
export function expandTopicSpecs(
  specs: readonly TopicSpec[],
  options: EnsureTopicsOptions = {},
): TopicSpec[] {
  const prefix = options.namePrefix ?? '';
  const all =
    options.withDeadLetters === false ? [...specs] : specs.flatMap((s) => [s, dlqTopic(s)]);
  return all.map((s) => ({ ...s, name: `${prefix}${s.name}` }));
}
