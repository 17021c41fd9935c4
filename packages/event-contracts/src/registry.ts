import type { z } from 'zod';
import { InvalidEventError, parseEnvelope, zodIssues, type EventEnvelope } from './envelope.js';

/** An older version of an event's data and how to lift it one version up. */
export interface EventTypeHistory {
  readonly version: number;
  readonly schema: z.ZodType;
  /** Turns data of `version` into data of `version + 1`. Pure. */
  readonly upcast: (data: unknown) => unknown;
}

export interface EventTypeDefinition<TType extends string = string, TData = unknown> {
  readonly type: TType;
  /** The current version: what is written now. */
  readonly schemaVersion: number;
  readonly schema: z.ZodType<TData>;
  /** Paths inside `data` (dot-separated) holding personal data, encrypted per subject. */
  readonly pii: readonly string[];
  /** Every earlier version still found in stores and topics, each with its upcaster. */
  readonly history: readonly EventTypeHistory[];
}

/** Declares an event type; checks that its history forms an unbroken chain up to the current version. */
export function defineEventType<TType extends string, TSchema extends z.ZodType>(def: {
  type: TType;
  schemaVersion: number;
  schema: TSchema;
  pii?: readonly string[];
  history?: readonly EventTypeHistory[];
}): EventTypeDefinition<TType, z.output<TSchema>> {
  const history = [...(def.history ?? [])].sort((a, b) => a.version - b.version);
  const expected = Array.from({ length: def.schemaVersion - 1 }, (_, i) => i + 1);
  const actual = history.map((h) => h.version);
  if (expected.join(',') !== actual.join(',')) {
    throw new Error(
      `${def.type} v${String(def.schemaVersion)} needs upcasters from versions [${expected.join(', ')}], has [${actual.join(', ')}]`,
    );
  }
  return {
    type: def.type,
    schemaVersion: def.schemaVersion,
    schema: def.schema as z.ZodType<z.output<TSchema>>,
    pii: def.pii ?? [],
    history,
  };
}

export type DataOf<D> = D extends EventTypeDefinition<string, infer T> ? T : never;
export type EventOf<D> =
  D extends EventTypeDefinition<infer TType, infer T> ? EventEnvelope<TType, T> : never;

/** The event types a service knows: validation on write, validation + upcasting on read. */
export class EventTypeRegistry {
  readonly #types = new Map<string, EventTypeDefinition>();

  constructor(definitions: readonly EventTypeDefinition[] = []) {
    for (const d of definitions) this.register(d);
  }

  register(definition: EventTypeDefinition): this {
    if (this.#types.has(definition.type)) {
      throw new Error(`event type ${definition.type} is already registered`);
    }
    this.#types.set(definition.type, definition);
    return this;
  }

  get(type: string): EventTypeDefinition | undefined {
    return this.#types.get(type);
  }

  types(): string[] {
    return [...this.#types.keys()].sort();
  }

  #definition(type: string): EventTypeDefinition {
    const d = this.#types.get(type);
    if (!d)
      throw new InvalidEventError('unknown event type', [
        { path: 'type', message: `${type} is not registered` },
      ]);
    return d;
  }

  /** For writers: the envelope must be valid and its data must match the current version exactly. */
  validate(input: unknown): EventEnvelope {
    const envelope = parseEnvelope(input);
    const d = this.#definition(envelope.type);
    if (envelope.schemaVersion !== d.schemaVersion) {
      throw new InvalidEventError(`${d.type} must be written at its current version`, [
        {
          path: 'schemaVersion',
          message: `is ${String(envelope.schemaVersion)}, current is ${String(d.schemaVersion)}`,
        },
      ]);
    }
    const data = d.schema.safeParse(envelope.data);
    if (!data.success)
      throw new InvalidEventError(`invalid ${d.type} data`, zodIssues(data.error, 'data'));
    return { ...envelope, data: data.data };
  }

  /**
   * For readers: accepts any known version, checks it against that version's schema, and lifts it
   * through the upcasters to the current version.
   */
  decode(input: unknown): EventEnvelope {
    const envelope = parseEnvelope(input);
    const d = this.#definition(envelope.type);
    if (envelope.schemaVersion > d.schemaVersion) {
      throw new InvalidEventError(`${d.type} is newer than this reader`, [
        {
          path: 'schemaVersion',
          message: `is ${String(envelope.schemaVersion)}, this reader knows up to ${String(d.schemaVersion)}`,
        },
      ]);
    }
    let data: unknown = envelope.data;
    for (const step of d.history) {
      if (step.version < envelope.schemaVersion) continue;
      const parsed = step.schema.safeParse(data);
      if (!parsed.success) {
        throw new InvalidEventError(
          `invalid ${d.type} v${String(step.version)} data`,
          zodIssues(parsed.error, 'data'),
        );
      }
      data = step.upcast(parsed.data);
    }
    const current = d.schema.safeParse(data);
    if (!current.success)
      throw new InvalidEventError(`invalid ${d.type} data`, zodIssues(current.error, 'data'));
    return { ...envelope, schemaVersion: d.schemaVersion, data: current.data };
  }
}
