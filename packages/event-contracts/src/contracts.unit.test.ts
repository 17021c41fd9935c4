import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { z } from 'zod';
import {
  EventTypeRegistry,
  InvalidEventError,
  TOPICS,
  defineEventType,
  deterministicEventId,
  dlqTopic,
  parseEnvelope,
  topicSpec,
  uuidV5,
  type EventEnvelope,
} from './index.js';

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

function envelope(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    id: '0b9e5a2e-9a51-4c4e-8a0f-5a8f6c1d2e3f',
    type: 'ClientRegistered',
    schemaVersion: 2,
    streamId: 'client-c1',
    subjectId: 'c1',
    occurredAt: '2026-11-20T18:30:00+04:00',
    recordedAt: '2026-11-20T14:30:01.120Z',
    region: 'ME',
    source: { system: 'pos.cegid', instance: 'DXB-01', actor: 'assoc-42' },
    correlationId: 'corr-1',
    causationId: null,
    data: { homeStore: 'DXB-01', names: { native: 'محمد', latin: 'Mohammed' } },
    ...overrides,
  };
}

describe('uuidV5', () => {
  it('matches the RFC 9562 reference value', () => {
    expect(uuidV5('www.example.com', DNS_NAMESPACE)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});

describe('deterministicEventId', () => {
  const part = fc.string({ minLength: 1, maxLength: 20 });
  it('gives the same id for the same fact, and a v5 UUID', () => {
    fc.assert(
      fc.property(part, part, part, (sourceSystem, sourceId, type) => {
        const a = deterministicEventId({ sourceSystem, sourceId, type });
        expect(deterministicEventId({ sourceSystem, sourceId, type })).toBe(a);
        expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }),
    );
  });

  it('gives different facts different ids, also when only the split between parts differs', () => {
    fc.assert(
      fc.property(part, part, part, part, (a, b, c, d) => {
        fc.pre(a + b !== c + d || a !== c);
        const x = deterministicEventId({
          sourceSystem: a,
          sourceId: b,
          type: 'TransactionRecorded',
        });
        const y = deterministicEventId({
          sourceSystem: c,
          sourceId: d,
          type: 'TransactionRecorded',
        });
        if (a !== c || b !== d) expect(x).not.toBe(y);
      }),
    );
  });

  it('refuses empty parts', () => {
    expect(() =>
      deterministicEventId({ sourceSystem: 'shopify', sourceId: '', type: 'X' }),
    ).toThrow(/sourceId/);
  });
});

describe('parseEnvelope', () => {
  it('accepts a complete envelope', () => {
    expect(parseEnvelope(envelope()).id).toBe('0b9e5a2e-9a51-4c4e-8a0f-5a8f6c1d2e3f');
  });

  it('lists every problem with its path', () => {
    const bad = {
      ...envelope(),
      id: 'nope',
      occurredAt: '2026-11-20 18:30',
      region: 'MARS',
      extra: 1,
    };
    try {
      parseEnvelope(bad);
      throw new Error('expected a failure');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidEventError);
      const paths = (err as InvalidEventError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['id', 'occurredAt', 'region', '']));
    }
  });

  it('requires an offset on business time and rejects a malformed traceparent', () => {
    expect(() => parseEnvelope(envelope({ occurredAt: '2026-11-20T18:30:00' }))).toThrow(
      /occurredAt/,
    );
    expect(() => parseEnvelope(envelope({ traceparent: 'abc' }))).toThrow(/traceparent/);
  });

  it('never throws anything but InvalidEventError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        try {
          parseEnvelope(input);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidEventError);
        }
      }),
    );
  });
});

describe('EventTypeRegistry', () => {
  // v1 had one `name`; v2 keeps the native script and a Latin transliteration apart.
  const v1 = z.strictObject({ homeStore: z.string(), name: z.string() });
  const ClientRegistered = defineEventType({
    type: 'ClientRegistered',
    schemaVersion: 2,
    schema: z.strictObject({
      homeStore: z.string(),
      names: z.strictObject({ native: z.string(), latin: z.string().optional() }),
    }),
    pii: ['names.native', 'names.latin'],
    history: [
      {
        version: 1,
        schema: v1,
        upcast: (data) => {
          const d = v1.parse(data);
          return { homeStore: d.homeStore, names: { native: d.name } };
        },
      },
    ],
  });
  const registry = new EventTypeRegistry([ClientRegistered]);

  it('validates data of the current version on write', () => {
    expect(registry.validate(envelope()).data).toEqual(envelope().data);
    expect(() => registry.validate(envelope({ data: { homeStore: 1 } }))).toThrow(
      /data\.homeStore/,
    );
  });

  it('refuses to write an old version', () => {
    expect(() =>
      registry.validate(envelope({ schemaVersion: 1, data: { homeStore: 'X', name: 'Y' } })),
    ).toThrow(/current version/);
  });

  it('upcasts old versions on read', () => {
    const read = registry.decode(
      envelope({ schemaVersion: 1, data: { homeStore: 'PAR-01', name: '王芳' } }),
    );
    expect(read.schemaVersion).toBe(2);
    expect(read.data).toEqual({ homeStore: 'PAR-01', names: { native: '王芳' } });
  });

  it('rejects unknown types, newer versions and invalid old data', () => {
    expect(() => registry.decode(envelope({ type: 'SomethingElse' }))).toThrow(
      /unknown event type/,
    );
    expect(() => registry.decode(envelope({ schemaVersion: 3 }))).toThrow(/newer than this reader/);
    expect(() => registry.decode(envelope({ schemaVersion: 1, data: { name: 'x' } }))).toThrow(
      /v1 data/,
    );
  });

  it('refuses a definition with a gap in its history', () => {
    expect(() =>
      defineEventType({ type: 'X', schemaVersion: 3, schema: z.object({}), history: [] }),
    ).toThrow(/needs upcasters from versions \[1, 2\]/);
  });

  it('refuses registering a type twice', () => {
    expect(() => registry.register(ClientRegistered)).toThrow(/already registered/);
  });
});

describe('topics', () => {
  it('names every service topic <service>.events.v1 keyed by client id', () => {
    for (const t of Object.values(TOPICS).filter((x) => x.owner !== 'brand-it')) {
      expect(t.name).toBe(`${t.owner}.events.v1`);
      expect(t.key).toBe('clientId');
    }
  });

  it('derives a dead-letter topic and finds specs by name', () => {
    expect(dlqTopic(TOPICS.ingestTransactions).name).toBe('ingest.transactions.v1.dlq');
    expect(topicSpec('consent.events.v1')).toBe(TOPICS.consentEvents);
    expect(topicSpec('nope')).toBeUndefined();
  });
});

it('separates parts so that moving the boundary changes the id', () => {
  const a = deterministicEventId({ sourceSystem: 'pos|x', sourceId: '1', type: 'T' });
  const b = deterministicEventId({ sourceSystem: 'pos', sourceId: 'x|1', type: 'T' });
  expect(a).not.toBe(b);
});
