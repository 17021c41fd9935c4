/** Kafka topics of the platform: one place for names and their settings (admin creates them from here). */
export interface TopicSpec {
  readonly name: string;
  readonly description: string;
  /** The service that writes it (`brand-it` for ingest topics written from outside). */
  readonly owner: string;
  readonly partitions: number;
  /** -1 keeps messages forever. */
  readonly retentionMs: number;
  readonly cleanupPolicy: 'delete' | 'compact' | 'compact,delete';
  /** What the message key is: per-client order needs the client id (or the source id before resolution). */
  readonly key: 'clientId' | 'sourceId';
}

const DAY = 24 * 60 * 60 * 1000;

const serviceTopic = (service: string, description: string): TopicSpec => ({
  name: `${service}.events.v1`,
  description,
  owner: service,
  partitions: 12,
  retentionMs: -1,
  cleanupPolicy: 'delete',
  key: 'clientId',
});

const ingestTopic = (source: string, description: string): TopicSpec => ({
  name: `ingest.${source}.v1`,
  description,
  owner: 'brand-it',
  partitions: 12,
  retentionMs: 14 * DAY,
  cleanupPolicy: 'delete',
  key: 'sourceId',
});

export const TOPICS = {
  identityEvents: serviceTopic(
    'identity',
    'Client registrations, identifier links, merges and unmerges',
  ),
  profilesEvents: serviceTopic(
    'profiles',
    'Profile changes, important dates, notes, client-book ownership',
  ),
  transactionsEvents: serviceTopic(
    'transactions',
    'Sales, returns, exchanges and their attribution to clients',
  ),
  consentEvents: serviceTopic('consent', 'Consent evidence, withdrawals, erasures'),
  recommendationsEvents: serviceTopic(
    'recommendations',
    'Per-client recommendations and model updates',
  ),
  ingestTransactions: ingestTopic(
    'transactions',
    'POS and e-commerce transactions produced by brand IT',
  ),
  ingestProfiles: ingestTopic(
    'profiles',
    'Customer records from POS, e-commerce and loyalty systems',
  ),
  ingestConsent: ingestTopic('consent', 'Consent evidence from CMPs, web forms and stores'),
} as const satisfies Record<string, TopicSpec>;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS]['name'];

const DLQ_RETENTION_MS = 30 * DAY;

/** The dead-letter topic of a topic: where its poison and invalid messages go, with reason headers. */
export function dlqTopicName(topic: string): string {
  return `${topic}.dlq`;
}

export function dlqTopic(spec: TopicSpec): TopicSpec {
  return {
    ...spec,
    name: dlqTopicName(spec.name),
    description: `Dead letters of ${spec.name}`,
    partitions: Math.min(spec.partitions, 3),
    retentionMs: DLQ_RETENTION_MS,
    cleanupPolicy: 'delete',
  };
}

export function topicSpec(name: string): TopicSpec | undefined {
  return Object.values(TOPICS).find((t) => t.name === name);
}

/** Header names every published message carries (no PII ever goes in a header or a key). */
export const HEADERS = {
  eventId: 'maison-event-id',
  eventType: 'maison-event-type',
  schemaVersion: 'maison-schema-version',
  traceparent: 'traceparent',
  dlqReason: 'maison-dlq-reason',
  dlqError: 'maison-dlq-error',
  dlqSourceTopic: 'maison-dlq-source-topic',
  dlqSourcePartition: 'maison-dlq-source-partition',
  dlqSourceOffset: 'maison-dlq-source-offset',
} as const;
