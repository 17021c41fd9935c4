import type { TopicSpec } from '@maison/event-contracts';
import {
  expandTopicSpecs,
  type ConsumerOptions,
  type ConsumerRunOptions,
  type EnsureTopicsOptions,
  type IncomingMessage,
  type MessageBroker,
  type MessageConsumer,
  type MessageProducer,
  type MessagingLogger,
  type OutgoingMessage,
  type TopicAdmin,
  type TopicDescription,
} from './port.js';

interface StoredTopic {
  readonly spec: TopicSpec;
  readonly partitions: IncomingMessage[][];
  roundRobin: number;
}

export class UnknownTopicError extends Error {
  override readonly name = 'UnknownTopicError';
  constructor(topic: string) {
    super(`topic ${topic} does not exist`);
  }
}

/** FNV-1a: stable across runs, so a key always lands on the same partition. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface InProcessBusOptions {
  /** Partitions of topics created implicitly by a producer or consumer (default 1). */
  readonly defaultPartitions?: number;
  /** Creates a topic on first use, like a broker with auto-creation (default true). */
  readonly autoCreateTopics?: boolean;
  readonly logger?: MessagingLogger;
}

/**
 * Kafka's semantics in memory for the embedded mode and fast tests: partitioned logs keyed by
 * hash(key) % partitions, consumer groups with committed offsets, at-least-once delivery (what a
 * member handled but did not commit is delivered again to the next member of its group).
 */
export class InProcessBus implements MessageBroker {
  readonly #topics = new Map<string, StoredTopic>();
  /** group → "topic/partition" → next offset to deliver. */
  readonly #committed = new Map<string, Map<string, number>>();
  /** group → members; partition p of a topic belongs to member p % members.length. */
  readonly #members = new Map<string, InProcessConsumer[]>();
  #wakers: (() => void)[] = [];
  readonly #options: InProcessBusOptions;

  constructor(options: InProcessBusOptions = {}) {
    this.#options = options;
  }

  createProducer(): Promise<MessageProducer> {
    let closed = false;
    return Promise.resolve({
      send: (topic: string, messages: readonly OutgoingMessage[]) => {
        if (closed) return Promise.reject(new Error('producer is closed'));
        const t = this.#topic(topic);
        for (const m of messages) {
          const p =
            m.key === null
              ? t.roundRobin++ % t.partitions.length
              : hashKey(m.key) % t.partitions.length;
          const log = t.partitions[p] ?? [];
          log.push({
            topic,
            partition: p,
            offset: String(log.length),
            key: m.key === null ? null : Buffer.from(m.key),
            value: Buffer.from(m.value),
            headers: { ...m.headers },
          });
        }
        this.#wake();
        return Promise.resolve();
      },
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    });
  }

  createConsumer(options: ConsumerOptions): InProcessConsumer {
    return new InProcessConsumer(this, options.groupId, this.#options.logger);
  }

  createAdmin(): Promise<TopicAdmin> {
    const admin: TopicAdmin = {
      ensureTopics: (specs: readonly TopicSpec[], options?: EnsureTopicsOptions) => {
        const created: string[] = [];
        for (const spec of expandTopicSpecs(specs, options)) {
          const existing = this.#topics.get(spec.name);
          if (existing) {
            while (existing.partitions.length < spec.partitions) existing.partitions.push([]);
            this.#topics.set(spec.name, { ...existing, spec });
          } else {
            this.#create(spec);
            created.push(spec.name);
          }
        }
        return Promise.resolve(created);
      },
      describeTopic: (name: string) => {
        const t = this.#topics.get(name);
        const d: TopicDescription | undefined = t && {
          name,
          partitions: t.partitions.length,
          retentionMs: t.spec.retentionMs,
          cleanupPolicy: t.spec.cleanupPolicy,
        };
        return Promise.resolve(d);
      },
      deleteTopicsWithPrefix: (prefix: string) => {
        if (prefix.length < 3)
          return Promise.reject(new RangeError('refusing to delete topics with a short prefix'));
        const names = [...this.#topics.keys()].filter((t) => t.startsWith(prefix));
        for (const name of names) this.#topics.delete(name);
        return Promise.resolve(names);
      },
      endOffsets: (name: string) =>
        Promise.resolve(
          (this.#topics.get(name)?.partitions ?? []).map((log, partition) => ({
            partition,
            offset: String(log.length),
          })),
        ),
      close: () => Promise.resolve(),
    };
    return Promise.resolve(admin);
  }

  #create(spec: TopicSpec): StoredTopic {
    const t: StoredTopic = {
      spec,
      partitions: Array.from({ length: spec.partitions }, () => []),
      roundRobin: 0,
    };
    this.#topics.set(spec.name, t);
    return t;
  }

  #topic(name: string): StoredTopic {
    const t = this.#topics.get(name);
    if (t) return t;
    if (this.#options.autoCreateTopics === false) throw new UnknownTopicError(name);
    return this.#create({
      name,
      description: 'created on first use',
      owner: 'in-process',
      partitions: this.#options.defaultPartitions ?? 1,
      retentionMs: -1,
      cleanupPolicy: 'delete',
      key: 'clientId',
    });
  }

  #wake(): void {
    const wakers = this.#wakers;
    this.#wakers = [];
    for (const w of wakers) w();
  }

  /** @internal Resolves at the next send or membership change. */
  waitForChange(): Promise<void> {
    return new Promise((resolve) => this.#wakers.push(resolve));
  }

  /** @internal */
  join(member: InProcessConsumer): void {
    const list = this.#members.get(member.groupId) ?? [];
    list.push(member);
    this.#members.set(member.groupId, list);
    this.#wake();
  }

  /** @internal */
  leave(member: InProcessConsumer): void {
    const list = this.#members.get(member.groupId) ?? [];
    this.#members.set(
      member.groupId,
      list.filter((m) => m !== member),
    );
    this.#wake();
  }

  /** @internal */
  topicsNamed(topics: readonly string[]): StoredTopic[] {
    return topics.map((t) => this.#topic(t));
  }

  /**
   * Messages not yet committed by the consumer groups that have started on their partitions:
   * 0 means every running group has handled everything published so far (the embedded platform
   * waits for that after loading its demo data).
   */
  lag(): number {
    let total = 0;
    for (const offsets of this.#committed.values()) {
      for (const [key, next] of offsets) {
        const slash = key.lastIndexOf('/');
        const topic = this.#topics.get(key.slice(0, slash));
        const log = topic?.partitions[Number(key.slice(slash + 1))];
        if (log) total += Math.max(0, log.length - next);
      }
    }
    return total;
  }

  /** @internal */
  owns(member: InProcessConsumer, partition: number): boolean {
    const list = this.#members.get(member.groupId) ?? [];
    return list.length > 0 && list[partition % list.length] === member;
  }

  /** @internal */
  committed(groupId: string, topic: string, partition: number, fromBeginning: boolean): number {
    const offsets = this.#committed.get(groupId);
    const key = `${topic}/${String(partition)}`;
    const known = offsets?.get(key);
    if (known !== undefined) return known;
    const start = fromBeginning ? 0 : (this.#topic(topic).partitions[partition]?.length ?? 0);
    this.commit(groupId, topic, partition, start);
    return start;
  }

  /** @internal */
  commit(groupId: string, topic: string, partition: number, next: number): void {
    const offsets = this.#committed.get(groupId) ?? new Map<string, number>();
    offsets.set(`${topic}/${String(partition)}`, next);
    this.#committed.set(groupId, offsets);
  }
}

export class InProcessConsumer implements MessageConsumer {
  readonly groupId: string;
  readonly #bus: InProcessBus;
  readonly #logger: MessagingLogger | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  #stopRequested: (() => void) | undefined;

  constructor(bus: InProcessBus, groupId: string, logger: MessagingLogger | undefined) {
    this.#bus = bus;
    this.groupId = groupId;
    this.#logger = logger;
  }

  run(options: ConsumerRunOptions): Promise<void> {
    if (this.#running) return Promise.reject(new Error('consumer is already running'));
    this.#running = true;
    this.#bus.join(this);
    const stopped = new Promise<void>((resolve) => (this.#stopRequested = resolve));
    this.#loop = this.#consume(options, stopped);
    return Promise.resolve();
  }

  async #consume(options: ConsumerRunOptions, stopped: Promise<void>): Promise<void> {
    const fromBeginning = options.fromBeginning ?? true;
    while (this.#running) {
      const change = this.#bus.waitForChange();
      let delivered = false;
      for (const topic of this.#bus.topicsNamed(options.topics)) {
        for (let p = 0; p < topic.partitions.length && this.#isRunning(); p++) {
          if (!this.#bus.owns(this, p)) continue;
          try {
            delivered =
              (await this.#deliver(
                topic.spec.name,
                p,
                topic.partitions[p] ?? [],
                options,
                fromBeginning,
              )) || delivered;
          } catch (err) {
            // Like a Kafka consumer restart: what was not committed is delivered again.
            this.#logger?.({
              level: 'error',
              message: 'in-process consumer handler failed; redelivering',
              fields: { topic: topic.spec.name, partition: p, error: (err as Error).name },
            });
            await new Promise((r) => setTimeout(r, 50));
            delivered = true;
          }
        }
      }
      if (!delivered) await Promise.race([change, stopped]);
    }
  }

  async #deliver(
    topic: string,
    partition: number,
    log: readonly IncomingMessage[],
    options: ConsumerRunOptions,
    fromBeginning: boolean,
  ): Promise<boolean> {
    const from = this.#bus.committed(this.groupId, topic, partition, fromBeginning);
    if (from >= log.length) return false;
    const messages = log.slice(from);
    const commit = (next: number): void => {
      // A member that was closed mid-message must not commit: its successor owns the partition.
      if (this.#running && this.#bus.owns(this, partition))
        this.#bus.commit(this.groupId, topic, partition, next);
    };
    if (options.eachBatch) {
      let marked = from;
      await options.eachBatch({
        topic,
        partition,
        messages,
        markProcessed: (m) => {
          marked = Math.max(marked, Number(m.offset) + 1);
        },
        commit: () => {
          commit(marked);
          return Promise.resolve();
        },
        isActive: () => this.#running && this.#bus.owns(this, partition),
      });
      commit(marked);
      return true;
    }
    for (const m of messages) {
      if (!this.#running || !this.#bus.owns(this, partition)) break;
      await options.eachMessage(m);
      commit(Number(m.offset) + 1);
    }
    return true;
  }

  // A method, not the field, so the compiler does not assume the value across awaits.
  #isRunning(): boolean {
    return this.#running;
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#bus.leave(this);
    this.#stopRequested?.();
    await this.#loop;
  }

  /**
   * Leaves the group at once without waiting for the message in hand or committing it: what a
   * crashed process looks like to the group. For tests of redelivery.
   */
  abandon(): void {
    this.#running = false;
    this.#bus.leave(this);
    this.#stopRequested?.();
  }
}
