import type { TokenVerifier } from '@maison/auth';
import type { Cache } from '@maison/cache';
import type { EventTypeRegistry, Region, ServiceName, TopicSpec } from '@maison/event-contracts';
import type { MessageBroker, MessageProducer } from '@maison/messaging';
import type { Privacy } from '@maison/privacy';
import type { Logger } from '@maison/service-kit';
import type { SqlDatabase } from '@maison/sql';

/**
 * Names of shared resources, with an optional prefix so several test runs (or tenants) can share
 * one Kafka cluster without seeing each other's topics and consumer groups.
 */
export interface ResourceNames {
  readonly prefix: string;
  topic(spec: TopicSpec | string): string;
  group(name: string): string;
}

export function resourceNames(prefix = ''): ResourceNames {
  return {
    prefix,
    topic: (spec) => `${prefix}${typeof spec === 'string' ? spec : spec.name}`,
    group: (name) => `${prefix}${name}`,
  };
}

/**
 * Everything a service is given to run: the same shape whether it runs alone against Kafka,
 * PostgreSQL and Redis, or inside the one-process embedded platform on PGlite, the in-process bus
 * and an in-memory cache. A service creates its own event store (schema `<service>_events`) and
 * read models (schema `<service>`) in `database`.
 */
export interface ServiceContext {
  readonly service: ServiceName;
  /** The region this deployment serves (events it records carry it). */
  readonly region: Region;
  readonly database: SqlDatabase;
  readonly broker: MessageBroker;
  /** One producer shared by the service's publisher and dead-lettering. */
  readonly producer: MessageProducer;
  readonly privacy: Privacy;
  readonly cache: Cache;
  readonly verifier: TokenVerifier;
  readonly logger: Logger;
  /** The event catalogue (and the service's private types, if it registered any). */
  readonly registry: EventTypeRegistry;
  readonly names: ResourceNames;
  /** Time comes from here, never from `new Date()` in domain code. */
  readonly clock: () => Date;
}

/** Schema names a service uses in its database. */
export function schemasOf(service: ServiceName): { readModels: string; events: string } {
  return { readModels: service, events: `${service}_events` };
}
