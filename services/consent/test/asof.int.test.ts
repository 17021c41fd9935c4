import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '@maison/event-contracts';
import { eventually } from '@maison/testing';
import fc from 'fast-check';
import { consentStream } from '../src/consent/consent.events.js';
import { consentsAsOf } from '../src/consent/consent.state.js';
import { grant, startHarness, unique, type Harness } from './harness.js';

/**
 * `asOf` answers (SQL over the read model) against a replay of the client's history (its event
 * stream folded up to the instant), for random histories and random instants. Record time comes
 * from a controlled clock, so histories spread over months with late and out-of-order arrivals.
 */
let h: Harness;
let now = Date.parse('2026-01-01T00:00:00Z');

beforeAll(async () => {
  h = await startHarness({ transport: 'memory', clock: () => new Date(now) });
  expect((await h.publishNotice({ publishedAt: '2025-01-01T00:00:00Z' })).status).toBe(201);
});
afterAll(async () => {
  await h.close();
});

const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString();

const step = fc.record({
  purpose: fc.constantFrom('marketing', 'profiling'),
  channel: fc.constantFrom('email', 'sms'),
  state: fc.constantFrom('granted', 'withdrawn', 'denied', 'pending_double_opt_in'),
  /** Days between the previous recording and this one. */
  gapDays: fc.integer({ min: 0, max: 20 }),
  /** How long before its recording the consent occurred (late arrivals). */
  lagDays: fc.integer({ min: 0, max: 40 }),
  offset: fc.constantFrom('+01:00', '+09:00', 'Z'),
});

function withOffset(t: number, offset: string): string {
  if (offset === 'Z') return iso(t);
  const minutes = offset === '+01:00' ? 60 : 540;
  return `${new Date(t + minutes * 60_000).toISOString().slice(0, 19)}${offset}`;
}

describe('state as of an instant', () => {
  it('excludes what occurred before the instant but was recorded after it (a late arrival)', async () => {
    const admin = await h.token('admin');
    const compliance = await h.token('compliance');
    const clientId = unique('late');
    now += DAY;
    const recordedAt = now;
    const body = grant({ occurredAt: iso(recordedAt - 30 * DAY) });
    expect(
      (await h.request('POST', `/v1/clients/${clientId}/consents`, { token: admin, body })).status,
    ).toBe(201);
    const state = async (at: number) => {
      const r = await eventually(
        async () => {
          const x = await h.request<{ consents: { state: string; recordedAt: string }[] }>(
            'GET',
            `/v1/audit/clients/${clientId}/state?asOf=${encodeURIComponent(iso(at))}`,
            { token: compliance },
          );
          return x.status === 200 ? x.body.consents : undefined;
        },
        { timeoutMs: 5_000, what: 'an answer' },
      );
      return r.map((c) => c.state);
    };
    await eventually(async () => ((await state(recordedAt + 1)).length === 1 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the record projected',
    });
    expect(await state(recordedAt - DAY)).toEqual([]);
    expect(await state(recordedAt + 1)).toEqual(['granted']);
  });

  it('matches a replay of the history up to that instant, for random histories and instants (property)', async () => {
    const admin = await h.token('admin');
    const compliance = await h.token('compliance');
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 8 }),
        fc.array(fc.noBias(fc.integer({ min: -100, max: 1100 })), { minLength: 3, maxLength: 6 }),
        async (steps, fractions) => {
          const clientId = unique('asof');
          const start = now;
          for (const s of steps) {
            now += s.gapDays * DAY + 1000;
            const occurred = now - s.lagDays * DAY;
            const body = grant({
              purpose: s.purpose,
              channel: s.purpose === 'profiling' ? null : s.channel,
              state: s.state,
              occurredAt: withOffset(occurred, s.offset),
            });
            const r = await h.request('POST', `/v1/clients/${clientId}/consents`, {
              token: admin,
              body,
            });
            expect(r.status).toBe(201);
          }
          const end = now;
          const history = await eventually(
            async () => {
              const r = await h.request<{ records: { occurredAt: string }[] }>(
                'GET',
                `/v1/audit/clients/${clientId}/history`,
                { token: compliance },
              );
              return r.body.records.length === steps.length ? r.body.records : undefined;
            },
            { timeoutMs: 10_000, what: 'the history projected' },
          );
          // Business time comes back exactly as the source wrote it, offset included.
          expect(history.every((r) => /^\d{4}-\d{2}-\d{2}T/.test(r.occurredAt))).toBe(true);
          const events: EventEnvelope[] = [];
          for await (const e of h.consent.app.events.store.readStream(consentStream(clientId)))
            events.push(e);
          // Random instants over the whole span, and the edges where bugs live: each event's
          // business and record time, and the millisecond before its recording.
          const instants = [
            ...fractions.map((f) =>
              Math.round(start - 45 * DAY + (f / 1000) * (end - start + 50 * DAY)),
            ),
            ...events.flatMap((e) => [
              Date.parse(e.occurredAt),
              Date.parse(e.recordedAt),
              Date.parse(e.recordedAt) - 1,
            ]),
          ];
          for (const instant of instants) {
            const asOf = iso(instant);
            const api = await h.request<{ consents: { eventId: string; state: string }[] }>(
              'GET',
              `/v1/audit/clients/${clientId}/state?asOf=${encodeURIComponent(asOf)}`,
              { token: compliance },
            );
            const replay = consentsAsOf(events, asOf).map((r) => ({
              eventId: r.eventId,
              state: r.state,
            }));
            const byId = (a: { eventId: string }, b: { eventId: string }) =>
              a.eventId.localeCompare(b.eventId);
            expect(
              [...api.body.consents.map((c) => ({ eventId: c.eventId, state: c.state }))].sort(
                byId,
              ),
            ).toEqual(replay.sort(byId));
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
