import { deterministicEventId, newEventId, type EventEnvelope } from '@maison/event-contracts';
import { handleCommand, type HandleCommandResult } from '@maison/event-store';
import type { ServiceContext, ServiceEventStore } from '@maison/runtime';
import { NotFoundError } from '@maison/service-kit';
import type { SqlQueryable } from '@maison/sql';
import { clientBookDecider, type ClientBookCommand } from './client-book/client-book.decider.js';
import type { ClientBookState } from './client-book/client-book.state.js';
import type { ProfilesConfig } from './config.js';
import type { CommandMeta } from './domain/command-meta.js';
import { profileDecider, type ProfileCommand } from './profile/profile.decider.js';
import { profileStream } from './profile/profile.events.js';
import type { ProfileState } from './profile/profile.state.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Runs the deciders against the service's store, with the metadata of who and why. */
export class ProfileCommands {
  readonly #ctx: ServiceContext;
  readonly #events: ServiceEventStore;
  readonly #config: ProfilesConfig;
  readonly #s: string;
  /** Called after every append of this process, so the projections look at once. */
  readonly #onAppend: () => void;

  constructor(
    ctx: ServiceContext,
    events: ServiceEventStore,
    config: ProfilesConfig,
    quotedSchema: string,
    onAppend: () => void,
  ) {
    this.#ctx = ctx;
    this.#events = events;
    this.#config = config;
    this.#s = quotedSchema;
    this.#onAppend = onAppend;
  }

  get config(): ProfilesConfig {
    return this.#config;
  }

  /** For a request: fresh ids, the request id as correlation. */
  requestMeta(actor: string, requestId: string): CommandMeta {
    const ids: string[] = [];
    return {
      now: this.#ctx.clock().toISOString(),
      region: this.#ctx.region,
      system: 'profiles',
      actor,
      correlationId: requestId,
      causationId: null,
      eventId: (i) => (ids[i] ??= newEventId()),
    };
  }

  /**
   * For an effect of another event or message: ids derived from `seed`, so a redelivery produces
   * the same events and the store's idempotent append dedupes them.
   */
  derivedMeta(
    seed: string,
    actor: string,
    cause: Pick<EventEnvelope, 'id' | 'correlationId'> | null,
  ): CommandMeta {
    return {
      now: this.#ctx.clock().toISOString(),
      region: this.#ctx.region,
      system: 'profiles',
      actor,
      correlationId: cause?.correlationId ?? seed,
      causationId: cause?.id ?? null,
      eventId: (i) =>
        deterministicEventId({
          sourceSystem: 'profiles',
          sourceId: `${seed}#${String(i)}`,
          type: 'effect',
        }),
    };
  }

  async profile(
    clientId: string,
    command: DistributiveOmit<ProfileCommand, 'clientId' | 'policy'>,
  ): Promise<HandleCommandResult<ProfileState>> {
    const full = { ...command, clientId, policy: this.#config.survivorship } as ProfileCommand;
    const result = await handleCommand(
      this.#events.store,
      profileStream(clientId),
      profileDecider,
      full,
      { maxRetries: 5 },
    );
    if (result.events.length > 0) this.#onAppend();
    return result;
  }

  async book(
    clientId: string,
    command: DistributiveOmit<ClientBookCommand, 'clientId'>,
  ): Promise<HandleCommandResult<ClientBookState>> {
    const full = { ...command, clientId } as ClientBookCommand;
    const result = await handleCommand(
      this.#events.store,
      profileStream(clientId),
      clientBookDecider,
      full,
      { maxRetries: 5 },
    );
    if (result.events.length > 0) this.#onAppend();
    return result;
  }

  /** Appends events built elsewhere (reassignment requests, erasure reports). */
  async append(streamId: string, events: readonly EventEnvelope[]): Promise<void> {
    await this.#events.store.append(streamId, events);
    this.#onAppend();
  }

  async loadProfile(clientId: string): Promise<ProfileState> {
    let state = profileDecider.initialState();
    for await (const e of this.#events.store.readStream(profileStream(clientId)))
      state = profileDecider.evolve(state, e);
    return state;
  }

  async loadBook(clientId: string): Promise<ClientBookState> {
    let state = clientBookDecider.initialState();
    for await (const e of this.#events.store.readStream(profileStream(clientId)))
      state = clientBookDecider.evolve(state, e);
    return state;
  }

  /** Both aggregates of a client from one read of its stream (the source of truth). */
  async loadClient(
    clientId: string,
  ): Promise<{ profile: ProfileState; book: ClientBookState; events: number }> {
    let profile = profileDecider.initialState();
    let book = clientBookDecider.initialState();
    let events = 0;
    for await (const e of this.#events.store.readStream(profileStream(clientId))) {
      profile = profileDecider.evolve(profile, e);
      book = clientBookDecider.evolve(book, e);
      events++;
    }
    return { profile, book, events };
  }

  async readEvent(streamId: string): Promise<EventEnvelope | undefined> {
    for await (const e of this.#events.store.readStream(streamId, { maxCount: 1 })) return e;
    return undefined;
  }

  /** Refuses to write about an erased client (its key is gone; nothing may bring it back). */
  async assertNotErased(q: SqlQueryable, clientId: string): Promise<void> {
    const rows = await q.query(`SELECT 1 FROM ${this.#s}.erased_clients WHERE client_id = $1`, [
      clientId,
    ]);
    if (rows.length > 0) throw new NotFoundError('No such client.');
  }
}
