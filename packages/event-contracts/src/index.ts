export {
  REGIONS,
  envelopeSchema,
  eventSourceSchema,
  parseEnvelope,
  InvalidEventError,
  type Region,
  type EventSource,
  type EventEnvelope,
  type EventIssue,
} from './envelope.js';
export { uuidV5, deterministicEventId, newEventId, isUuid, MAISON_EVENT_NAMESPACE } from './ids.js';
export {
  defineEventType,
  EventTypeRegistry,
  type EventTypeDefinition,
  type EventTypeHistory,
  type DataOf,
  type EventOf,
} from './registry.js';
export {
  TOPICS,
  HEADERS,
  dlqTopic,
  dlqTopicName,
  topicSpec,
  type TopicSpec,
  type TopicName,
} from './topics.js';
export * from './catalog/index.js';
export {
  profileIngestRecord,
  profileIngestFields,
  profileIngestName,
  type ProfileIngestRecord,
} from './ingest/profiles.js';
