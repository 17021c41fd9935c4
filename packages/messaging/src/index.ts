export * from './port.js';
export { envelopeOf, eventHeaders, eventMessage, messageKey } from './codec.js';
export {
  IdempotentConsumer,
  ensureProcessedEventsTable,
  deadLetter,
  type IdempotentConsumerOptions,
  type ConsumeOutcome,
  type DeadLetterReason,
  type RetryPolicy,
} from './idempotent-consumer.js';
export { startPublisher, type PublisherOptions, type RunningPublisher } from './publisher.js';
export {
  InProcessBus,
  InProcessConsumer,
  UnknownTopicError,
  type InProcessBusOptions,
} from './in-process-bus.js';
export { KafkaBroker, type KafkaBrokerOptions } from './kafka/kafka.broker.js';
