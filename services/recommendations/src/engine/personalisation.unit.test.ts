import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decidePersonalisation, type ProfilingConsent } from './personalisation.js';

const c = (
  state: string,
  occurredAt: string,
  extra: Partial<ProfilingConsent> = {},
): ProfilingConsent => ({
  state,
  evidence: 'full',
  occurredAt,
  recordedAt: occurredAt,
  expiresAt: null,
  eventId: `e-${occurredAt}`,
  ...extra,
});
const now = new Date('2026-06-01T00:00:00Z');

describe('personalisation decision', () => {
  it('allows only a granted, unexpired, non-device consent', () => {
    expect(decidePersonalisation([c('granted', '2026-01-01T00:00:00Z')], now).allowed).toBe(true);
    const no = (consents: ProfilingConsent[]) => {
      const d = decidePersonalisation(consents, now);
      return d.allowed ? 'allowed' : d.because;
    };
    expect(no([])).toBe('no profiling consent on record');
    expect(no([c('withdrawn', '2026-01-01T00:00:00Z')])).toBe(
      'the client withdrew profiling consent',
    );
    expect(no([c('denied', '2026-01-01T00:00:00Z')])).toBe('the client declined profiling');
    expect(no([c('granted', '2026-01-01T00:00:00Z', { expiresAt: '2026-05-31T00:00:00Z' })])).toBe(
      'the profiling consent has expired',
    );
    expect(no([c('granted', '2026-01-01T00:00:00Z', { evidence: 'device' })])).toBe(
      'the profiling consent is device-scoped (web CMP) only',
    );
    expect(no([c('pending_double_opt_in', '2026-01-01T00:00:00Z')])).toBe(
      'the profiling consent awaits confirmation',
    );
  });

  it('the latest by business time wins, across merged ids, in any order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            state: fc.constantFrom('granted', 'withdrawn', 'denied'),
            day: fc.integer({ min: 1, max: 28 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.infiniteStream(fc.nat()),
        (list, seeds) => {
          const consents = list.map((x, i) =>
            c(x.state, `2026-02-${String(x.day).padStart(2, '0')}T10:00:00Z`, {
              eventId: `e-${String(i).padStart(2, '0')}`,
            }),
          );
          const latest = [...consents]
            .sort((a, b) =>
              a.occurredAt === b.occurredAt
                ? a.eventId < b.eventId
                  ? -1
                  : 1
                : a.occurredAt < b.occurredAt
                  ? -1
                  : 1,
            )
            .at(-1)!;
          const shuffled = [...consents].sort(() => ((seeds.next().value as number) % 3) - 1);
          const d = decidePersonalisation(shuffled, now);
          expect(d.allowed).toBe(latest.state === 'granted');
          expect(d.consent).toEqual(latest);
        },
      ),
    );
  });
});
