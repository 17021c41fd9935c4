const formatters = new Map<string, Intl.DateTimeFormat>();

/** The UTC offset of a time zone at an instant, in minutes (e.g. Asia/Tokyo → 540). */
export function offsetMinutes(timeZone: string, at: Date): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    formatters.set(timeZone, format);
  }
  const part = format.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value;
  if (part === undefined || part === 'GMT') return 0;
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(part);
  if (!m) throw new RangeError(`unexpected offset ${part} for ${timeZone}`);
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * A wall-clock time in a time zone as ISO 8601 with that zone's offset at that moment
 * (`2026-03-02T10:15:00+04:00`): business time keeps the boutique's local offset.
 */
export function localIso(
  timeZone: string,
  date: { year: number; month: number; day: number; hour: number; minute: number },
): string {
  const naive = Date.UTC(date.year, date.month - 1, date.day, date.hour, date.minute);
  // Two passes settle the offset around DST changes.
  let offset = offsetMinutes(timeZone, new Date(naive));
  offset = offsetMinutes(timeZone, new Date(naive - offset * 60_000));
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}T${pad(date.hour)}:${pad(date.minute)}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Days since 1970-01-01 → calendar date (UTC). */
export function dateOfDay(day: number): { year: number; month: number; day: number } {
  const d = new Date(day * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function dayOf(isoDate: string): number {
  return Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / 86_400_000);
}
