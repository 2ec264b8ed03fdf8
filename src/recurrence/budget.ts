/**
 * Work bounds of the recurrence engine: validating a rule and computing its next occurrence cost
 * ≤ 50 ms whatever the rule and the dates.
 *
 * rrule-temporal's cost is per candidate instant it builds (a Temporal ZonedDateTime, ~20–35 µs
 * each on this 2-core machine when idle), so the budgets are counted in candidates and in
 * occurrences, never in time: the result does not depend on how loaded the machine is.
 */
import type { RRuleParts } from './rule.js';
import { MAX_YEAR } from '../tasks/date-range.js';

/**
 * Most candidates one FREQ period may expand to before BYSETPOS/filters pick among them. A YEARLY
 * rule with BYDAY=MO,TU;BYHOUR=0..23 builds 2,500 per year (≈ 80 ms for one year); a task that
 * recurs that often is an hourly or daily rule and can be written as one.
 */
export const MAX_CANDIDATES_PER_PERIOD = 500;

/** Candidates a validation probe may build (≈ 50 ms at 33 µs each). */
export const PROBE_CANDIDATES = 1_500;

/** Candidates counting the occurrences a completion skipped may build. */
export const COUNT_WORK = 2_000;

/**
 * Occurrences counted one by one when a completion skips missed ones (basis due_date). Beyond
 * this the rest of the gap is extrapolated from the counted ones (series.ts, countBetween).
 */
export const EXACT_COUNT = 1_000;

/**
 * No occurrence lies after the API's date range (years 1900–2200): a series whose
 * next occurrence would fall later has ended. This also bounds the search for a rare occurrence:
 * 'every 997 days, on Feb 29' searched 400 years of periods (1.5 s) and found one in year 10000.
 */
export const LAST_OCCURRENCE_MS = Date.UTC(MAX_YEAR + 1, 0, 1) - 1;

/** Upper bound of the candidates one period of the rule builds (RFC 5545 §3.3.10 expansion table). */
export function candidatesPerPeriod(p: RRuleParts): number {
  const n = (xs: readonly unknown[] | undefined) => xs?.length ?? 1;
  const times = p.freq === 'HOURLY' ? n(p.byMinute) * n(p.bySecond) : n(p.byHour) * n(p.byMinute) * n(p.bySecond);
  return daysPerPeriod(p) * times;
}

function daysPerPeriod(p: RRuleParts): number {
  switch (p.freq) {
    case 'HOURLY':
    case 'DAILY':
      return 1; // BYxxx day parts only filter
    case 'WEEKLY':
      return p.byDay?.length ?? 1;
    case 'MONTHLY':
      return daysPerMonth(p);
    case 'YEARLY':
      if (p.byYearDay) return p.byYearDay.length;
      if (p.byWeekNo) return p.byWeekNo.length * (p.byDay?.length ?? 1);
      if (p.byDay && !p.byMonth && !p.byMonthDay) return sum(p.byDay.map((d) => (d.ordinal === undefined ? 53 : 1)));
      return (p.byMonth?.length ?? (p.byMonthDay || p.byDay ? 12 : 1)) * daysPerMonth(p);
  }
}

function daysPerMonth(p: RRuleParts): number {
  if (!p.byMonthDay && !p.byDay) return 1;
  const byMonthDay = p.byMonthDay?.length ?? 31;
  const byDay = p.byDay ? sum(p.byDay.map((d) => (d.ordinal === undefined ? 5 : 1))) : 31;
  return Math.min(byMonthDay, byDay, 31);
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
