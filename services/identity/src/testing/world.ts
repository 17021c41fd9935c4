// Test support (not exported by the package): identity's policies on the in-memory engine, with
// readable names for clients, so decision tests read "given these records, when this one, then
// these events".
import { createHash } from 'node:crypto';
import type { EventEnvelope, Region } from '@maison/event-contracts';
import {
  canonicalKey,
  maskIdentifier,
  normaliseIdentifier,
  type IdentifierInput,
} from '@maison/identifiers';
import { identityRegistry } from '../engine/identity-store.js';
import { rootOf, clusterIdentifiers } from '../resolution/cluster.js';
import { MemoryIdentityStore } from '../resolution/memory.engine.js';
import {
  resolveRecord,
  type RecordReference,
  type ResolutionResult,
} from '../resolution/resolve.policy.js';
import {
  eraseClients,
  mergeClients,
  unlinkIdentifier,
  unmergeClients,
  type StewardMergeResult,
  type UnmergeResult,
} from '../resolution/steward.policy.js';
import { UnitOfWork, type DecisionMeta } from '../resolution/unit-of-work.js';
import { DEFAULT_RULES } from '../rules/default.rules.js';
import { compileRules, type RuleSet, type Rules } from '../rules/rule-set.js';

/** A stand-in for the keyed blind index (tests have no key): SHA-256 of the canonical key. */
export function testIndex(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

export function reference(input: IdentifierInput): RecordReference {
  const result = normaliseIdentifier({ defaultCountry: 'FR', ...input });
  if (!result.ok) throw new Error(`bad test identifier: ${result.reason}`);
  const id = result.identifier;
  return {
    type: id.type,
    scope: id.scope,
    index: testIndex(canonicalKey(id)),
    value: id.value,
    masked: maskIdentifier(id),
  };
}

export const email = (value: string) => reference({ type: 'email', value });
export const phone = (value: string) => reference({ type: 'phone', value });
export const loyalty = (value: string) => reference({ type: 'loyalty_id', value });
export const pos = (value: string, scope = 'cegid:fr') =>
  reference({ type: 'pos_customer', value, scope });
export const shop = (value: string, scope = 'shopify:maison-eu.myshopify.com') =>
  reference({ type: 'ecom_customer', value, scope });
export const wechat = (value: string) => reference({ type: 'wechat_unionid', value });

export interface Outcome<T> {
  readonly result: T;
  readonly events: readonly EventEnvelope[];
}

/** One test's identity: the in-memory store, a ticking clock and names for the clients. */
const registry = identityRegistry();

export class World {
  // Every event is checked against its schema, as the live codec does (strict: no stray fields).
  readonly store = new MemoryIdentityStore({ validate: (e) => void registry.validate(e) });
  rules: Rules;
  #tick = 0;
  readonly #names = new Map<string, string>();

  constructor(rules: RuleSet = DEFAULT_RULES) {
    this.rules = compileRules(rules);
  }

  meta(operation: string, region: Region = 'EU'): DecisionMeta {
    this.#tick += 1;
    const at = new Date(Date.UTC(2026, 11, 1, 9, 0, this.#tick)).toISOString();
    return {
      operation,
      occurredAt: at,
      recordedAt: at,
      region,
      actor: 'system',
      correlationId: operation,
      causationId: null,
    };
  }

  #run<T>(operation: string, decide: (uow: UnitOfWork) => T, region?: Region): Outcome<T> {
    const out = this.store.run(this.meta(operation, region), decide);
    for (const e of out.events) if (e.type === 'ClientRegistered') this.name(e.streamId.slice(9));
    return out;
  }

  resolve(
    trigger: string,
    references: readonly RecordReference[],
    options: { region?: Region; storeId?: string } = {},
  ): Outcome<ResolutionResult> {
    return this.#run(
      trigger,
      (uow) =>
        resolveRecord(uow, this.rules, {
          trigger,
          references,
          sourceSystem: 'test',
          storeId: options.storeId ?? 'PAR-01',
          region: options.region ?? 'EU',
          occurredAt: '2026-12-01T10:00:00+01:00',
        }),
      options.region,
    );
  }

  merge(survivor: string, merged: string, operation = `merge-${survivor}-${merged}`) {
    return this.#run<StewardMergeResult>(operation, (uow) =>
      mergeClients(uow, this.rules, {
        survivorId: this.id(survivor),
        mergedId: this.id(merged),
        reason: 'same person (ticket 1)',
      }),
    );
  }

  unmerge(mergeId: string, operation = `unmerge-${mergeId}`) {
    return this.#run<UnmergeResult>(operation, (uow) =>
      unmergeClients(uow, { mergeId, reason: 'two people (ticket 2)' }),
    );
  }

  unlink(client: string, index: string) {
    return this.#run(`unlink-${client}-${index}`, (uow) =>
      unlinkIdentifier(uow, { clientId: this.id(client), index }),
    );
  }

  erase(client: string, requestId: string, aliases: readonly string[] = []) {
    const result = this.#run(`erasure-${requestId}`, (uow) =>
      eraseClients(uow, this.rules, {
        requestId,
        clientId: this.id(client),
        aliases: aliases.map((a) => this.id(a)),
        completedAt: '2026-12-01T12:00:00Z',
        purged: {},
      }),
    );
    for (const ref of result.result.identifiers) this.store.suppress(ref.index);
    return result;
  }

  /** A readable name for a client id: A, B, C… in order of registration. */
  name(id: string): string {
    const known = this.#names.get(id);
    if (known !== undefined) return known;
    const name = String.fromCharCode(65 + this.#names.size);
    this.#names.set(id, name);
    return name;
  }

  id(nameOrId: string): string {
    for (const [id, name] of this.#names) if (name === nameOrId) return id;
    return nameOrId;
  }

  #view(): UnitOfWork {
    return new UnitOfWork(this.store, this.meta('view'));
  }

  /** The client (by name) that holds an identifier now, after merges; null if nobody. */
  holderOf(ref: RecordReference): string | null {
    const uow = this.#view();
    const owner = uow.identifier(ref.index).owner;
    return owner === null ? null : this.name(rootOf(uow, owner));
  }

  rootOf(client: string): string {
    return this.name(rootOf(this.#view(), this.id(client)));
  }

  /** The values a client's cluster holds, sorted. */
  valuesOf(client: string, refs: readonly RecordReference[]): string[] {
    const held = new Set(clusterIdentifiers(this.#view(), this.id(client)).map((h) => h.ref.index));
    return refs
      .filter((r) => held.has(r.index))
      .map((r) => r.value)
      .sort();
  }

  /** Number of clients standing on their own (roots), erased ones excluded. */
  clientCount(): number {
    const uow = this.#view();
    return this.store.clientIds().filter((id) => {
      const s = uow.client(id);
      return s.registered !== null && !s.erased && s.mergedInto === null;
    }).length;
  }

  /** The published facts of some events, compact: `['IdentifierLinked', 'A', 'email']`. */
  published(events: readonly EventEnvelope[]): unknown[] {
    const out: unknown[] = [];
    for (const e of events) {
      const d = e.data as Record<string, unknown>;
      const n = (id: unknown) => this.name(String(id));
      switch (e.type) {
        case 'ClientRegistered':
          out.push([e.type, n(d.clientId)]);
          break;
        case 'IdentifierLinked':
          out.push([e.type, n(d.clientId), (d.identifier as { type: string }).type]);
          break;
        case 'IdentifierUnlinked':
          out.push([e.type, n(d.clientId), (d.identifier as { type: string }).type, d.reason]);
          break;
        case 'ClientsMerged':
          out.push([e.type, n(d.survivorId), (d.mergedIds as string[]).map(n)]);
          break;
        case 'ClientUnmerged':
          out.push([e.type, n(d.survivorId), n(d.restoredClientId)]);
          break;
        case 'MergeRejected':
          out.push([e.type, (d.clientIds as string[]).map(n), d.reason]);
          break;
        case 'ClientDataPurged':
          out.push([e.type, n(d.clientId), (d.suppressed as unknown[]).length]);
          break;
        default:
          break;
      }
    }
    return out.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }

  /** The private facts: register changes and the record's outcome. */
  internal(events: readonly EventEnvelope[]): unknown[] {
    const out: unknown[] = [];
    for (const e of events) {
      const d = e.data as Record<string, unknown>;
      const ref = d.identifier as { type: string } | undefined;
      switch (e.type) {
        case 'IdentifierClaimed':
        case 'IdentifierSighted':
          out.push([e.type, ref?.type, this.name(String(d.clientId))]);
          break;
        case 'IdentifierReleased':
          out.push([e.type, ref?.type, d.reason]);
          break;
        case 'IdentifierMarkedShared':
          out.push([e.type, ref?.type]);
          break;
        case 'ClientAbsorbed':
          out.push([e.type, this.name(String(d.clientId)), this.name(String(d.survivorId))]);
          break;
        case 'ClientRestored':
        case 'ClientForgotten':
          out.push([e.type, this.name(String(d.clientId))]);
          break;
        case 'RecordResolved':
          out.push([
            e.type,
            d.outcome,
            typeof d.clientId === 'string' ? this.name(d.clientId) : null,
          ]);
          break;
        default:
          break;
      }
    }
    return out.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
}
