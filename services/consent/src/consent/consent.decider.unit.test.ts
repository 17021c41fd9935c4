import { describe, expect, it } from '@jest/globals';
import { ConflictError, ValidationError } from '@maison/service-kit';
import fc from 'fast-check';
import { CONSENT_STATES, PURPOSES } from '@maison/event-contracts';
import { decide, type ConsentCommand } from './consent.decider.js';
import { consentsAsOf, evolve, initialState } from './consent.state.js';
import { eventId, NOTICE, record } from './consent.fixtures.js';
import type { EventEnvelope } from '@maison/event-contracts';

function given(...commands: ConsentCommand[]): EventEnvelope[] {
  const events: EventEnvelope[] = [];
  let state = initialState();
  for (const c of commands) {
    const out = decide(c, state);
    events.push(...out);
    state = out.reduce(evolve, state);
  }
  return events;
}
const stateOf = (events: readonly EventEnvelope[]) => events.reduce(evolve, initialState());

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('consent decider', () => {
  it('given nothing, when a full-evidence grant is recorded, then ConsentRecorded with the evidence', () => {
    const [event] = decide(record(), initialState());
    expect(event?.type).toBe('ConsentRecorded');
    expect(event?.streamId).toBe('consent-client-1');
    expect(event?.subjectId).toBe('client-1');
    expect(event?.occurredAt).toBe('2026-03-02T10:00:00+01:00');
    expect(event?.data).toMatchObject({
      purpose: 'marketing',
      channel: 'email',
      state: 'granted',
      evidenceStrength: 'full',
      notice: { id: NOTICE.id, version: '3', sha256: NOTICE.sha256, language: 'fr' },
      collection: { method: 'store', point: 'PAR-01 till' },
    });
  });

  it('rejects missing mandatory evidence naming every missing field', () => {
    const error = thrown(() =>
      decide(
        record({
          notice: { id: NOTICE.id, version: '3' },
          collection: { point: 'web' },
          occurredAt: undefined,
        }),
        initialState(),
      ),
    ) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.errors.map((e) => e.pointer).sort()).toEqual(
      ['/collection/method', '/notice/language', '/notice/sha256', '/occurredAt'].sort(),
    );
    expect(error.message).toContain('notice.sha256');
  });

  it('rejects a notice version that is not registered, has another hash, or did not exist yet', () => {
    expect(thrown(() => decide(record({}, { notice: undefined }), initialState()))).toMatchObject({
      errors: [{ pointer: '/notice/version' }],
    });
    expect(
      thrown(() =>
        decide(record({}, { notice: { ...NOTICE, sha256: 'b'.repeat(64) } }), initialState()),
      ),
    ).toMatchObject({ errors: [{ pointer: '/notice/sha256' }] });
    expect(
      (
        thrown(() =>
          decide(
            record({}, { notice: { ...NOTICE, publishedAt: '2026-03-02T09:30:00Z' } }),
            initialState(),
          ),
        ) as Error
      ).message,
    ).toContain('published after the consent occurred');
  });

  it('records webhook evidence without a notice as weak, and refuses device evidence for email marketing', () => {
    const [weak] = decide(record({ notice: null }, { strength: 'weak' }), initialState());
    expect(weak?.data).toMatchObject({ evidenceStrength: 'weak', notice: null });
    const error = thrown(() =>
      decide(record({ notice: null, proofRef: 'tcf:abc' }, { strength: 'device' }), initialState()),
    ) as ValidationError;
    expect(error.errors.map((e) => e.pointer)).toContain('/purpose');
  });

  it('requires a recipient and purposes for a cross-border transfer grant', () => {
    const error = thrown(() =>
      decide(record({ purpose: 'cross_border_transfer', channel: null }), initialState()),
    ) as ValidationError;
    expect(error.errors.map((e) => e.pointer).sort()).toEqual(['/recipient', '/transferPurposes']);
  });

  it('is idempotent: the same event id again produces nothing', () => {
    const command = record();
    const events = given(command);
    expect(decide(command, stateOf(events))).toEqual([]);
  });

  it('walks the erasure workflow once and refuses consents after it', () => {
    const meta = {
      recordedAt: '2026-04-01T10:00:00Z',
      region: 'EU' as const,
      source: { system: 'consent' },
      correlationId: 'c',
      causationId: null,
    };
    const requestId = '22222222-2222-4222-8222-222222222222';
    const events = given(
      record(),
      {
        ...meta,
        type: 'RequestErasure',
        eventId: eventId(),
        clientId: 'client-1',
        requestId,
        requestedBy: 'dpo-1',
        ticket: 'T-1',
      },
      {
        ...meta,
        type: 'EraseClient',
        eventId: eventId(),
        clientId: 'client-1',
        requestId,
        aliases: ['client-0', 'client-1'],
      },
      {
        ...meta,
        type: 'RecordPurge',
        eventId: eventId(),
        clientId: 'client-1',
        requestId,
        purged: { 'read_model.consent_records': 1 },
      },
    );
    expect(events.map((e) => e.type)).toEqual([
      'ConsentRecorded',
      'ClientErasureRequested',
      'ClientErased',
      'ClientDataPurged',
    ]);
    expect(events[2]?.data).toMatchObject({ aliases: ['client-0'] });
    const state = stateOf(events);
    expect(
      decide(
        {
          ...meta,
          type: 'EraseClient',
          eventId: eventId(),
          clientId: 'client-1',
          requestId,
          aliases: [],
        },
        state,
      ),
    ).toEqual([]);
    expect(thrown(() => decide(record(), state))).toBeInstanceOf(ConflictError);
  });

  it('never throws anything but typed errors on arbitrary evidence (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          purpose: fc.constantFrom(...PURPOSES),
          state: fc.constantFrom(...CONSENT_STATES),
          channel: fc.option(fc.constantFrom('email', 'sms', 'wechat' as const), {
            nil: undefined,
          }),
          jurisdiction: fc.option(fc.constantFrom('FR', 'KR', 'CN'), { nil: undefined }),
          occurredAt: fc.option(fc.constant('2026-01-01T00:00:00Z'), { nil: undefined }),
          withNotice: fc.boolean(),
          strength: fc.constantFrom('full', 'weak', 'device' as const),
        }),
        (x) => {
          const command = record(
            {
              purpose: x.purpose,
              state: x.state,
              channel: x.channel,
              jurisdiction: x.jurisdiction,
              occurredAt: x.occurredAt,
              ...(x.withNotice ? {} : { notice: null }),
              recipient: 'Maison SA',
              transferPurposes: ['marketing'],
            },
            { strength: x.strength },
          );
          try {
            const out = decide(command, initialState());
            expect(out).toHaveLength(1);
          } catch (e) {
            expect(e instanceof ValidationError || e instanceof ConflictError).toBe(true);
          }
        },
      ),
    );
  });

  it('asOf replays only what was recorded by the instant and takes the latest business time', () => {
    const events = given(
      record({ occurredAt: '2026-01-01T10:00:00Z' }, { recordedAt: '2026-01-01T10:00:01Z' }),
      record(
        { occurredAt: '2026-02-01T10:00:00Z', state: 'withdrawn' },
        { recordedAt: '2026-02-01T10:00:01Z' },
      ),
      // A late-arriving older grant does not override the withdrawal.
      record({ occurredAt: '2026-01-15T10:00:00Z' }, { recordedAt: '2026-03-01T10:00:00Z' }),
    );
    expect(consentsAsOf(events, '2026-01-20T00:00:00Z').map((r) => r.state)).toEqual(['granted']);
    expect(consentsAsOf(events, '2026-02-15T00:00:00Z').map((r) => r.state)).toEqual(['withdrawn']);
    expect(consentsAsOf(events, '2026-03-15T00:00:00Z').map((r) => r.state)).toEqual(['withdrawn']);
    expect(consentsAsOf(events, '2025-12-31T00:00:00Z')).toEqual([]);
  });
});
