import { isLeapYear } from '../profile/profile.fields.js';
import {
  addDays,
  epochDay,
  formatDate,
  formatInZone,
  localDateOf,
  startOfDay,
  type LocalDate,
} from './calendar.js';

/**
 * Upcoming important dates, defined once:
 *
 * - **Whose calendar day counts: the client's.** A birthday is the day the client celebrates, in
 *   the client's time zone (the profile's `timeZone`, else their home store's, else their home
 *   region's). A Tokyo client's 10 March starts at 10 March 00:00 Tokyo = 9 March 16:00 in Paris:
 *   an associate in Paris sees it as "today" from 16:00 on 9 March, and `startsAt` says exactly when.
 * - **The window:** `days` calendar days of the client's calendar starting with the client's today
 *   (`daysUntil` 0 … days − 1). Sorted by when the day starts, the soonest first.
 * - **29 February:** in a non-leap year it is celebrated on 28 February (`feb28`, the default) or on
 *   1 March (`mar1`), per configuration. It is never dropped and never counted twice.
 */

export type LeapDayRule = 'feb28' | 'mar1';

export interface Occasion {
  readonly clientId: string;
  readonly kind: 'birthday' | 'anniversary' | 'custom';
  readonly label: string | null;
  readonly day: number;
  readonly month: number;
  readonly year: number | null;
  readonly timeZone: string;
}

export interface UpcomingOccasion extends Occasion {
  /** The client's local date it falls on this time. */
  readonly date: string;
  /** When that day starts and ends, with the client's offset. */
  readonly startsAt: string;
  readonly endsAt: string;
  /** 0 = today on the client's calendar. */
  readonly daysUntil: number;
  /** Years since `year` (an age or an anniversary count), when the year is known. */
  readonly years: number | null;
  /** True when a 29 February falls on another day this year. */
  readonly movedFromLeapDay: boolean;
}

/** The date an occasion falls on in a given year. */
export function occurrenceIn(
  year: number,
  month: number,
  day: number,
  rule: LeapDayRule,
): LocalDate {
  if (month === 2 && day === 29 && !isLeapYear(year))
    return rule === 'feb28' ? { year, month: 2, day: 28 } : { year, month: 3, day: 1 };
  return { year, month, day };
}

/** The occasion's next occurrence on the client's calendar, if within `days` of now. */
export function upcoming(
  occasion: Occasion,
  now: Date,
  days: number,
  rule: LeapDayRule,
): UpcomingOccasion | undefined {
  const today = localDateOf(now, occasion.timeZone);
  let date = occurrenceIn(today.year, occasion.month, occasion.day, rule);
  if (epochDay(date) < epochDay(today))
    date = occurrenceIn(today.year + 1, occasion.month, occasion.day, rule);
  const daysUntil = epochDay(date) - epochDay(today);
  if (daysUntil >= days) return undefined;
  const start = startOfDay(date, occasion.timeZone);
  const end = startOfDay(addDays(date, 1), occasion.timeZone);
  return {
    ...occasion,
    date: formatDate(date),
    startsAt: formatInZone(start, occasion.timeZone),
    endsAt: formatInZone(end, occasion.timeZone),
    daysUntil,
    years: occasion.year === null ? null : date.year - occasion.year,
    movedFromLeapDay: occasion.month === 2 && occasion.day === 29 && date.day !== 29,
  };
}

/**
 * The (month, day) keys a read model must look at for a window seen from any time zone: the
 * client's today is within a day of UTC's, and 29 February shows up on its substitute day.
 * `month * 100 + day`; undefined = every day (a window of a year or more).
 */
export function candidateDayKeys(now: Date, days: number, rule: LeapDayRule): number[] | undefined {
  if (days >= 366) return undefined;
  const utc = localDateOf(now, 'UTC');
  const keys = new Set<number>();
  for (let i = -1; i <= days; i++) {
    const d = addDays(utc, i);
    keys.add(d.month * 100 + d.day);
    const substitute = occurrenceIn(d.year, 2, 29, rule);
    if (substitute.month === d.month && substitute.day === d.day) keys.add(229);
  }
  return [...keys].sort((a, b) => a - b);
}

export function sortUpcoming(list: UpcomingOccasion[]): UpcomingOccasion[] {
  return list.sort(
    (a, b) =>
      Date.parse(a.startsAt) - Date.parse(b.startsAt) ||
      a.clientId.localeCompare(b.clientId) ||
      a.kind.localeCompare(b.kind),
  );
}
