/**
 * A "series" is the ordered set of occurrence instants of one rule from one start. Presets and
 * RRULEs implement the same small interface so that the basis logic (next.ts) is written once.
 * All instants are epoch milliseconds.
 */
import { RRuleTemporal } from 'rrule-temporal';
import type { Preset, RRuleParts } from './rule.js';
import { EXACT_COUNT } from './budget.js';
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
    firstAfter: (afterMs) => at(indexAfter(afterMs)),
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

function buildRRule(parts: RRuleParts, dtstart: ZonedDateTime, includeDtstart = true): RRuleTemporal {
  return new RRuleTemporal({
    rruleString: formatRRule(parts),
    dtstart,
    // RFC 5545 §3.8.5.3: DTSTART always counts as the first occurrence. For a task that is the
    // first due date of the series, even if it does not match BYDAY etc.
    includeDtstart,
    maxIterations: MAX_PERIODS[parts.freq],
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

export function rruleSeries(parts: RRuleParts, dtstart: ZonedDateTime): Series {
  const ruleNear = nearRule(parts, dtstart);
  const capToNull = <T>(f: () => T): T | null => {
    try {
      return f();
    } catch (error) {
      if (isIterationCapError(error)) return null;
      throw error;
    }
  };
  const between = (afterMs: number, beforeMs: number): ZonedDateTime[] =>
    capToNull(() => counted(ruleNear(afterMs).between(new Date(afterMs), new Date(beforeMs), false))) ?? [];

  return {
    firstAfter: (afterMs) => capToNull(() => counted(ruleNear(afterMs).next(new Date(afterMs), false))?.epochMilliseconds ?? null),
    countBetween: (afterMs, beforeMs, limit) => {
      // Counted chunk by chunk, at most EXACT_COUNT occurrences (each costs a Temporal object);
      // nothing recurs more often than hourly, so a 64-hour chunk holds at most 64. Chunks widen
      // while they come back sparse, so a rule that occurs yearly needs few of them.
      const cap = Math.min(limit, EXACT_COUNT);
      let count = 0;
      let lastMs = afterMs;
      let from = afterMs;
      let window = 64 * HOUR_MS;
      while (from < beforeMs) {
        const to = Math.min(from + window, beforeMs);
        // `between` excludes both ends, so re-include the chunk boundary (except the very first).
        const found = between(from === afterMs ? from : from - 1, to);
        if (count + found.length >= cap) {
          lastMs = (found[cap - count - 1] as ZonedDateTime).epochMilliseconds;
          count = cap;
          break;
        }
        count += found.length;
        from = to;
        if (found.length < 32) window *= 2;
      }
      if (from >= beforeMs || count >= limit) return Math.min(limit, count);
      // More than EXACT_COUNT missed occurrences (a task overdue by years): the rest of the gap is
      // counted at the rate of the counted ones — exact for a rule that repeats evenly (FREQ and
      // INTERVAL only: 'every 3 days'), an estimate otherwise (README, "Bounded work").
      const rate = count / (lastMs - afterMs);
      return Math.min(limit, count + Math.max(0, Math.round(rate * (beforeMs - lastMs)) - 1));
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

/**
 * The rule to ask about instants after `ms`. rrule-temporal walks an HOURLY rule hour by hour
 * from DTSTART (a task due in 1900 costs a million steps before today), so for HOURLY the start
 * is moved forward by whole INTERVAL steps to just before `ms`: HOURLY steps real hours, so the
 * moved start lies on the same grid and every later occurrence is the same. The moved start is
 * not the series' first occurrence (includeDtstart off), and the minute/second it would impose
 * are pinned to the real start's. Coarser rules jump ahead by themselves.
 */
function nearRule(parts: RRuleParts, dtstart: ZonedDateTime): (ms: number) => RRuleTemporal {
  const original = buildRRule(parts, dtstart);
  if (parts.freq !== 'HOURLY') return () => original;
  const stepMs = parts.interval * HOUR_MS;
  const startMs = dtstart.epochMilliseconds;
  const pinned: RRuleParts = { ...parts, byMinute: parts.byMinute ?? [dtstart.minute], bySecond: parts.bySecond ?? [dtstart.second] };
  return (ms) => {
    const steps = Math.floor((ms - startMs) / stepMs) - 1;
    if (steps < 2) return original;
    const moved = Temporal.Instant.fromEpochMilliseconds(startMs + steps * stepMs).toZonedDateTimeISO(dtstart.timeZoneId);
    return buildRRule(pinned, moved, false);
  };
}
