/**
 * A "series" is the ordered set of occurrence instants of one rule from one start. Presets and
 * RRULEs implement the same small interface so that the basis logic (next.ts) is written once.
 * All instants are epoch milliseconds.
 */
import { RRuleTemporal } from 'rrule-temporal';
import type { Preset, RRuleParts } from './rule.js';
import { candidatesPerPeriod, COUNT_WORK, EXACT_COUNT, LAST_OCCURRENCE_MS } from './budget.js';
import { formatRRule } from './rule.js';
import { fromWallClock, Temporal, type PlainDateTime, type ZonedDateTime } from './timezone.js';

export interface Series {
  /** First occurrence strictly after `afterMs`; null when the series has ended (UNTIL/COUNT) or none exists. */
  firstAfter(afterMs: number): number | null;
  /** How many occurrences lie strictly between the two instants; counting stops at `limit`. */
  countBetween(afterMs: number, beforeMs: number, limit: number): number;
  /** The first `n` occurrences, the start included. */
  first(n: number): number[];
}

// ---------------------------------------------------------------------------------------------
// Presets: start + k units of wall-clock time in the task's zone.

const PRESET_UNIT = { daily: 'days', weekly: 'weeks', monthly: 'months', yearly: 'years' } as const;
const DAY_MS = 86_400_000;
const PRESET_AVG_MS = { daily: DAY_MS, weekly: 7 * DAY_MS, monthly: 30.436875 * DAY_MS, yearly: 365.2425 * DAY_MS };

/**
 * Occurrence k is `base + k units` computed on the wall clock, never by adding to the previous
 * occurrence: Temporal's `add` clamps Jan 31 + 1 month to Feb 28/29, and because every occurrence
 * is measured from the anchor, Jan 31 + 2 months is Mar 31 again (the anchor day is kept). The
 * same holds for yearly from Feb 29. Wall-clock arithmetic keeps 09:00 at 09:00 across DST.
 *
 * Occurrence 0 is `start` itself (the exact instant, which matters in the ambiguous fall-back hour);
 * `base` is its wall-clock time (or, for completion anchors, the intended wall-clock time that
 * `start` may have been moved away from by a DST gap).
 */
export function presetSeries(preset: Preset, base: PlainDateTime, start: ZonedDateTime): Series {
  const unit = PRESET_UNIT[preset];
  const zone = start.timeZoneId;
  const startMs = start.epochMilliseconds;
  const at = (k: number): number => (k === 0 ? startMs : fromWallClock(base.add({ [unit]: k }), zone).epochMilliseconds);

  /** Smallest k ≥ 0 with at(k) > ms; at(k) is strictly increasing, so estimate then walk. */
  const indexAfter = (ms: number): number => {
    let k = Math.max(0, Math.floor((ms - startMs) / PRESET_AVG_MS[preset]));
    while (k > 0 && at(k - 1) > ms) k--;
    while (at(k) <= ms) k++;
    return k;
  };

  return {
    firstAfter: (afterMs) => {
      const next = at(indexAfter(afterMs));
      return next <= LAST_OCCURRENCE_MS ? next : null;
    },
    // Instants are whole milliseconds, so "< before" is "<= before - 1".
    countBetween: (afterMs, beforeMs, limit) => Math.min(limit, Math.max(0, indexAfter(beforeMs - 1) - indexAfter(afterMs))),
    first: (n) => Array.from({ length: n }, (_, k) => at(k)),
  };
}

// ---------------------------------------------------------------------------------------------
// RRULEs: delegated to rrule-temporal (RFC 5545 + Temporal time zones).

/**
 * rrule-temporal gives up after `maxIterations` recurrence periods. The caps cover 400 years (one
 * full Gregorian cycle, after which weekdays and leap years repeat) for DAILY and coarser, so a
 * rare but valid rule (Feb 29 that is a Monday: every 28 years) is still found; HOURLY is capped
 * at ~10 years to bound the cost. Running into the cap means "no further occurrence".
 */
const MAX_PERIODS = { YEARLY: 401, MONTHLY: 4_801, WEEKLY: 20_872, DAILY: 146_098, HOURLY: 87_700 } as const;

export function isIterationCapError(error: unknown): boolean {
  return error instanceof Error && /Maximum iterations/.test(error.message);
}

function buildRRule(parts: RRuleParts, dtstart: ZonedDateTime, includeDtstart = true, maxIterations?: number): RRuleTemporal {
  return new RRuleTemporal({
    rruleString: formatRRule(parts),
    dtstart,
    // RFC 5545 §3.8.5.3: DTSTART always counts as the first occurrence. For a task that is the
    // first due date of the series, even if it does not match BYDAY etc.
    includeDtstart,
    maxIterations: Math.min(maxIterations ?? Infinity, MAX_PERIODS[parts.freq]),
  });
}

const HOUR_MS = 3_600_000;

/**
 * What the RRULE engine was asked for since start-up: calls and occurrences it returned. The
 * tests assert the work bound on these (counts, not timings, so a loaded machine cannot fail them).
 */
export const engineWork = { calls: 0, occurrences: 0 };
const counted = <T extends ZonedDateTime | ZonedDateTime[] | null>(result: T): T => {
  engineWork.calls += 1;
  engineWork.occurrences += Array.isArray(result) ? result.length : result ? 1 : 0;
  return result;
};

const capToNull = <T>(f: () => T): T | null => {
  try {
    return f();
  } catch (error) {
    if (isIterationCapError(error)) return null;
    throw error;
  }
};

/**
 * rrule-temporal counts its work in iterations (periods visited, or filter jumps), each building at
 * most `candidatesPerPeriod` instants; every query gets an iteration cap from the candidate budgets
 * (budget.ts), so no rule and no date range can make one cost more.
 */
export function rruleSeries(parts: RRuleParts, dtstart: ZonedDateTime): Series {
  const ruleNear = nearRule(parts, dtstart);
  const perPeriod = candidatesPerPeriod(parts);
  const iterations = (work: number) => Math.max(1, Math.floor(work / perPeriod));
  const periodMs = PERIOD_MS[parts.freq] * parts.interval;

  return {
    // From a start moved close to `afterMs`, so the engine's walk is the gap to the next occurrence,
    // and never past the last supported instant (budget.ts): a sparse rule's walk is that short.
    firstAfter: (afterMs) => {
      const periodsLeft = Math.ceil((LAST_OCCURRENCE_MS - afterMs) / periodMs) + 2;
      if (periodsLeft <= 2) return null;
      const found = capToNull(() => counted(ruleNear(afterMs, periodsLeft).next(new Date(afterMs), false)));
      return found && found.epochMilliseconds <= LAST_OCCURRENCE_MS ? found.epochMilliseconds : null;
    },
    countBetween: (afterMs, beforeMs, limit) => {
      // Chunk by chunk, at most EXACT_COUNT occurrences and COUNT_WORK candidates (nothing recurs
      // more often than hourly, so a 64-hour chunk holds at most 64); chunks widen while they come
      // back sparse. Each query is capped at the iterations left.
      const cap = Math.min(limit, EXACT_COUNT);
      let left = iterations(COUNT_WORK);
      let count = 0;
      let coveredMs = afterMs;
      // at least one period: a yearly rule's 64-hour chunks were each charged a whole period, so a
      // 6-week gap ran out of budget and its exact count became an estimate (off by one)
      let window = Math.max(64 * HOUR_MS, periodMs);
      while (coveredMs < beforeMs && left > 0) {
        const to = Math.min(coveredMs + window, beforeMs);
        // `between` excludes both ends, so re-include the chunk boundary (except the very first).
        const lower = coveredMs === afterMs ? coveredMs : coveredMs - 1;
        const found = capToNull(() => counted(ruleNear(coveredMs, left).between(new Date(lower), new Date(to), false)));
        if (!found) break; // the budget ran out inside this chunk
        // HOURLY is charged what it returned (the engine jumps over the hours a filter excludes);
        // coarser rules the periods the chunk spans (BYSETPOS expands each of them)
        left -= parts.freq === 'HOURLY' ? found.length + 1 : Math.ceil((to - coveredMs) / periodMs) + 1;
        if (count + found.length >= cap) {
          coveredMs = (found[cap - count - 1] as ZonedDateTime).epochMilliseconds + 1;
          count = cap;
          break;
        }
        count += found.length;
        coveredMs = to;
        if (found.length < 32) window *= 2;
      }
      if (coveredMs >= beforeMs || count >= limit || count === 0) return Math.min(limit, count);
      // The rest of the gap is counted at the rate of what was counted — exact for a rule that
      // repeats evenly (FREQ and INTERVAL only: 'every 3 days'), an estimate otherwise, and none
      // for a rule too sparse to show a rate within the budget (README, "Bounded work");
      // `beforeMs` is the next occurrence itself, hence the - 1.
      const rate = count / (coveredMs - afterMs);
      return Math.min(limit, count + Math.max(0, Math.round(rate * (beforeMs - coveredMs)) - 1));
    },
    first: (n) => {
      if (n <= 0) return [];
      const rule = ruleNear(dtstart.epochMilliseconds);
      const all = capToNull(() => rule.all((_, i) => i < n).map((z) => z.epochMilliseconds));
      if (all) return all;
      // Rare rule and many results: step with next(), which jumps ahead instead of scanning.
      const out = [dtstart.epochMilliseconds];
      while (out.length < n) {
        const next = capToNull(() => rule.next(new Date(out[out.length - 1] as number), false));
        if (!next) break;
        out.push(next.epochMilliseconds);
      }
      return out;
    },
  };
}

/** Shortest length of one period, for the work estimate of a counting chunk. */
const PERIOD_MS = { HOURLY: HOUR_MS, DAILY: 23 * HOUR_MS, WEEKLY: 167 * HOUR_MS, MONTHLY: 28 * 24 * HOUR_MS, YEARLY: 365 * 24 * HOUR_MS };

/**
 * The rule to ask about instants after `ms`. rrule-temporal walks from DTSTART period by period
 * (it jumps over periods a BYxxx filter excludes, but not always — and a BYSETPOS rule expands
 * every period it visits), so a series that started in 1900 costs centuries of work before today.
 * Instead the start is moved forward by whole INTERVALs to a period boundary shortly before `ms`:
 *
 * - every later period is the same period of the same grid (INTERVAL steps from the real start),
 *   so every occurrence after the moved start is the series' own;
 * - what RFC 5545 takes from DTSTART when a BYxxx part is absent (time of day, weekday, day of
 *   month, month) is pinned to the real start's values, so the moved start imposes nothing (an
 *   HOURLY start moves by whole real hours and keeps its minute and second);
 * - the moved start itself is not an occurrence unless the rule matches it (includeDtstart off).
 *
 * HOURLY periods are real hours, the others wall-clock days, weeks (from WKST), months and years.
 * Two YEARLY shapes are left alone (pinnedDefaults).
 */
function nearRule(parts: RRuleParts, dtstart: ZonedDateTime): (ms: number, maxIterations?: number) => RRuleTemporal {
  const pinned = pinnedDefaults(parts, dtstart);
  const zone = dtstart.timeZoneId;
  return (ms, maxIterations) => {
    const original = buildRRule(parts, dtstart, true, maxIterations);
    if (!pinned) return original;
    const target = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
    const periods = periodsBetween(parts, dtstart, target);
    // whole INTERVALs, one short of the target's period (so its whole period is generated)
    const steps = (Math.floor(periods / parts.interval) - 1) * parts.interval;
    if (steps < 2 * parts.interval) return original;
    const moved = periodStart(parts, dtstart, steps);
    // a 30-minute DST shift (Lord Howe) moves HOURLY's wall-clock minute: keep the real start then
    if (parts.freq === 'HOURLY' && (moved.minute !== dtstart.minute || moved.second !== dtstart.second)) return original;
    return buildRRule(pinned, moved, false, maxIterations);
  };
}

const WKST_DAY = { MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6, SU: 7 } as const;

/** The rule with the parts DTSTART would supply made explicit; null when that is ambiguous. */
function pinnedDefaults(p: RRuleParts, start: ZonedDateTime): RRuleParts | null {
  // HOURLY steps real hours from a moved start that keeps the real start's minute (nearRule)
  if (p.freq === 'HOURLY') return p;
  const weekday = WEEKDAYS_BY_NUMBER[start.dayOfWeek - 1]!;
  const time = { byMinute: p.byMinute ?? [start.minute], bySecond: p.bySecond ?? [start.second] };
  const out: RRuleParts = { ...p, ...time, byHour: p.byHour ?? [start.hour] };
  if (p.freq === 'WEEKLY' && !p.byDay) out.byDay = [{ weekday }];
  if (p.freq === 'MONTHLY' && !p.byDay && !p.byMonthDay) out.byMonthDay = [start.day];
  if (p.freq === 'YEARLY') {
    const dayParts = p.byYearDay || p.byMonthDay || p.byDay;
    // rrule-temporal's BYWEEKNO without BYDAY does not take DTSTART's weekday, and RFC 5545 does
    // not say which month a BYMONTHDAY without BYMONTH would take from it: such rules walk from
    // DTSTART (at most 301 years) within the same budgets
    if (p.byWeekNo && !p.byDay) return null;
    if (p.byMonthDay && !p.byMonth) return null;
    if (!p.byWeekNo && !p.byMonth && !dayParts) {
      out.byMonth = [start.month];
      out.byMonthDay = [start.day];
    } else if (!p.byWeekNo && p.byMonth && !dayParts) {
      out.byMonthDay = [start.day];
    }
  }
  return out;
}

const WEEKDAYS_BY_NUMBER = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

/** Whole FREQ periods from the one holding `start` to the one holding `target` (never negative). */
function periodsBetween(p: RRuleParts, start: ZonedDateTime, target: ZonedDateTime): number {
  switch (p.freq) {
    case 'HOURLY':
      return Math.max(0, Math.floor((target.epochMilliseconds - start.epochMilliseconds) / HOUR_MS));
    case 'DAILY':
      return Math.max(0, start.toPlainDate().until(target.toPlainDate(), { largestUnit: 'days' }).days);
    case 'WEEKLY':
      return Math.max(0, Math.floor(weekStart(p, start).until(weekStart(p, target), { largestUnit: 'days' }).days / 7));
    case 'MONTHLY':
      return Math.max(0, (target.year - start.year) * 12 + target.month - start.month);
    case 'YEARLY':
      return Math.max(0, target.year - start.year);
  }
}

function weekStart(p: RRuleParts, z: ZonedDateTime): Temporal.PlainDate {
  const wkst = WKST_DAY[p.wkst ?? 'MO'];
  return z.toPlainDate().subtract({ days: (z.dayOfWeek - wkst + 7) % 7 });
}

/** The first instant of the period `steps` periods after the one holding `start`. */
function periodStart(p: RRuleParts, start: ZonedDateTime, steps: number): ZonedDateTime {
  const zone = start.timeZoneId;
  const midnight = (d: Temporal.PlainDate) => fromWallClock(d.toPlainDateTime(), zone);
  switch (p.freq) {
    case 'HOURLY':
      return Temporal.Instant.fromEpochMilliseconds(start.epochMilliseconds + steps * HOUR_MS).toZonedDateTimeISO(zone);
    case 'DAILY':
      return midnight(start.toPlainDate().add({ days: steps }));
    case 'WEEKLY':
      return midnight(weekStart(p, start).add({ weeks: steps }));
    case 'MONTHLY':
      return midnight(start.toPlainDate().with({ day: 1 }).add({ months: steps }));
    case 'YEARLY':
      return midnight(start.toPlainDate().with({ month: 1, day: 1 }).add({ years: steps }));
  }
}
