import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { formatInZone, offsetMinutes, startOfDay } from './calendar.js';
import { candidateDayKeys, upcoming, type Occasion } from './occasions.js';

const birthday = (
  timeZone: string,
  month: number,
  day: number,
  year: number | null = null,
): Occasion => ({
  clientId: `c-${timeZone}`,
  kind: 'birthday',
  label: null,
  day,
  month,
  year,
  timeZone,
});

describe('upcoming occasions', () => {
  // 9 March 2026, 22:30 in Paris = 10 March, 06:30 in Tokyo.
  const parisEvening = new Date('2026-03-09T22:30:00+01:00');

  it("a Tokyo client's birthday seen from Paris: the client's calendar day counts", () => {
    const tokyo = upcoming(birthday('Asia/Tokyo', 3, 10, 1985), parisEvening, 7, 'feb28');
    expect(tokyo).toMatchObject({
      date: '2026-03-10',
      daysUntil: 0,
      startsAt: '2026-03-10T00:00:00+09:00',
      endsAt: '2026-03-11T00:00:00+09:00',
      years: 41,
    });
    // the same day for a Paris client is still tomorrow
    expect(upcoming(birthday('Europe/Paris', 3, 10), parisEvening, 7, 'feb28')).toMatchObject({
      date: '2026-03-10',
      daysUntil: 1,
      startsAt: '2026-03-10T00:00:00+01:00',
    });
    // and a Tokyo birthday on 9 March is already over there
    expect(upcoming(birthday('Asia/Tokyo', 3, 9), parisEvening, 7, 'feb28')).toBeUndefined();
    expect(upcoming(birthday('Europe/Paris', 3, 9), parisEvening, 7, 'feb28')).toMatchObject({
      daysUntil: 0,
    });
  });

  it('a window of N days is the client-local today and the N − 1 days after it', () => {
    const now = new Date('2026-03-09T12:00:00Z');
    expect(upcoming(birthday('UTC', 3, 15), now, 7, 'feb28')?.daysUntil).toBe(6);
    expect(upcoming(birthday('UTC', 3, 16), now, 7, 'feb28')).toBeUndefined();
    // wraps to next year
    const december = new Date('2026-12-30T12:00:00Z');
    expect(upcoming(birthday('UTC', 1, 2), december, 7, 'feb28')).toMatchObject({
      date: '2027-01-02',
      daysUntil: 3,
    });
  });

  it('29 February: on 28 February (or 1 March) in non-leap years, on the day in leap years', () => {
    const leapling = birthday('Asia/Tokyo', 2, 29, 2000);
    const feb2027 = new Date('2027-02-20T00:00:00Z');
    expect(upcoming(leapling, feb2027, 14, 'feb28')).toMatchObject({
      date: '2027-02-28',
      movedFromLeapDay: true,
      years: 27,
    });
    expect(upcoming(leapling, feb2027, 14, 'mar1')).toMatchObject({
      date: '2027-03-01',
      movedFromLeapDay: true,
    });
    expect(upcoming(leapling, new Date('2028-02-20T00:00:00Z'), 14, 'feb28')).toMatchObject({
      date: '2028-02-29',
      movedFromLeapDay: false,
      years: 28,
    });
    // 1 March 2027 in Tokyo, the feb28 substitute is past: next is 29 Feb 2028
    expect(upcoming(leapling, new Date('2027-03-01T01:00:00+09:00'), 366, 'feb28')).toMatchObject({
      date: '2028-02-29',
    });
  });

  it('days start at local midnight across DST changes', () => {
    // Paris springs forward on 29 March 2026 at 02:00: the day still starts at 00:00 +01:00
    expect(
      formatInZone(startOfDay({ year: 2026, month: 3, day: 29 }, 'Europe/Paris'), 'Europe/Paris'),
    ).toBe('2026-03-29T00:00:00+01:00');
    expect(
      formatInZone(startOfDay({ year: 2026, month: 3, day: 30 }, 'Europe/Paris'), 'Europe/Paris'),
    ).toBe('2026-03-30T00:00:00+02:00');
    expect(offsetMinutes(new Date('2026-07-01T00:00:00Z'), 'America/New_York')).toBe(-240);
  });

  const zones = [
    'Asia/Tokyo',
    'Europe/Paris',
    'America/Los_Angeles',
    'Pacific/Kiritimati',
    'Pacific/Pago_Pago',
    'Asia/Kathmandu',
    'UTC',
  ];
  const occasion = fc
    .record({
      timeZone: fc.constantFrom(...zones),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 31 }),
    })
    .filter((o) => o.day <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][o.month - 1]!);
  const instant = fc.date({
    min: new Date('2024-01-01T00:00:00Z'),
    max: new Date('2032-12-31T00:00:00Z'),
    noInvalidDate: true,
  });

  it('property: whatever the zone, the read model candidates include every upcoming occasion', () => {
    fc.assert(
      fc.property(
        occasion,
        instant,
        fc.integer({ min: 1, max: 60 }),
        fc.constantFrom('feb28' as const, 'mar1' as const),
        (o, now, days, rule) => {
          const u = upcoming(birthday(o.timeZone, o.month, o.day), now, days, rule);
          if (u === undefined) return;
          expect(candidateDayKeys(now, days, rule)).toContain(o.month * 100 + o.day);
          expect(u.daysUntil).toBeGreaterThanOrEqual(0);
          expect(u.daysUntil).toBeLessThan(days);
        },
      ),
    );
  });

  it('property: with a window of a year, every occasion is upcoming exactly once', () => {
    fc.assert(
      fc.property(occasion, instant, (o, now) => {
        const u = upcoming(birthday(o.timeZone, o.month, o.day), now, 366, 'feb28');
        expect(u).toBeDefined();
        expect(Date.parse(u!.endsAt)).toBeGreaterThan(now.getTime());
      }),
    );
  });
});
