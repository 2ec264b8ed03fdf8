/**
 * Every date the API accepts lies in the years 1900–2200. Outside them a date is a
 * typo or an attack: `0050-06-01` would be stored as 1950 (two-digit years are read as 19xx on
 * the way to PostgreSQL), and a recurring task due in 1500 would make each completion walk five
 * centuries of occurrences. The range is checked on the instant (UTC), so an offset cannot
 * smuggle a date past it.
 */
import type { FieldError } from '../errors.js';

export const MIN_YEAR = 1900;
export const MAX_YEAR = 2200;
const MIN_MS = Date.UTC(MIN_YEAR, 0, 1);
const END_MS = Date.UTC(MAX_YEAR + 1, 0, 1);

export const DATE_RANGE_MESSAGE = `must be in the years ${MIN_YEAR}–${MAX_YEAR} (UTC)`;

export function inDateRange(date: Date): boolean {
  const ms = date.getTime();
  return ms >= MIN_MS && ms < END_MS;
}

/** Parses an RFC 3339 date-time the schema already accepted; out of range adds an error naming the field. */
export function checkedDate(field: string, value: string, errors: FieldError[]): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || !inDateRange(date)) errors.push({ field, message: DATE_RANGE_MESSAGE });
  return date;
}
