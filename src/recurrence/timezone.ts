/**
 * Time-zone helpers on top of the Temporal polyfill (the same Temporal model rrule-temporal uses),
 * so that wall-clock arithmetic and instant conversion live in one library with explicit DST rules.
 */
import { Temporal } from 'temporal-polyfill';

export { Temporal };
export type ZonedDateTime = Temporal.ZonedDateTime;
export type PlainDateTime = Temporal.PlainDateTime;

/**
 * The properly cased IANA name (`europe/berlin` → `Europe/Berlin`), or null when the runtime does
 * not know the zone. Offsets such as `+01:00` are refused: a fixed offset has no DST rules, so a
 * task stored with one would drift by an hour twice a year in any real place.
 */
export function normalizeTimeZone(zone: string): string | null {
  if (typeof zone !== 'string' || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return null;
  try {
    return new Temporal.ZonedDateTime(0n, zone).timeZoneId;
  } catch {
    return null;
  }
}

export function isValidTimeZone(zone: string): boolean {
  return normalizeTimeZone(zone) !== null;
}

export function requireTimeZone(zone: string): string {
  const normalized = normalizeTimeZone(zone);
  if (normalized === null) throw new RangeError(`Unknown IANA time zone '${zone}'`);
  return normalized;
}

export function toZoned(date: Date, zone: string): ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(date.getTime()).toZonedDateTimeISO(zone);
}

/**
 * Wall-clock → instant. `compatible` is RFC 5545's rule for DTSTART-like values: a time in the
 * spring-forward gap moves forward by the gap (02:30 → 03:30), an ambiguous time in the
 * fall-back overlap takes the first (earlier) instant.
 */
export function fromWallClock(wall: PlainDateTime, zone: string): ZonedDateTime {
  return wall.toZonedDateTime(zone, { disambiguation: 'compatible' });
}
