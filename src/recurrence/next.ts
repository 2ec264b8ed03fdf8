/**
 * Next occurrence after a completion, for both bases, and previews. Semantics are documented in
 * README.md next to this file; the comments here say why each step is there.
 */
import { LAST_OCCURRENCE_MS } from './budget.js';
import { parseRule, type ParsedRule, type RRuleParts } from './rule.js';
import { presetSeries, rruleSeries, type Series } from './series.js';
import { fromWallClock, requireTimeZone, Temporal, toZoned, type PlainDateTime, type ZonedDateTime } from './timezone.js';

export type RecurrenceBasis = 'due_date' | 'completion';

export interface NextOccurrenceInput {
  /** Output of checkRecurrence (preset or RRULE). */
  rule: string;
  basis: RecurrenceBasis;
  /** The task's IANA zone; all wall-clock math happens in it. */
  timezone: string;
  /** DTSTART: due date of the series' first occurrence (null if the task never had a due date). */
  seriesStart: Date | null;
  /** 0-based position of the just-completed occurrence within the series (for COUNT). */
  index: number;
  /** Due date of the just-completed occurrence. */
  previousDue: Date | null;
  completedAt: Date;
  now: Date;
}

export interface NextOccurrence {
  due: Date;
  /** 0-based position of this occurrence in the series; COUNT=n allows indexes 0..n-1. */
  index: number;
}

export const MAX_PREVIEW = 1000;

/** The next occurrence after a completion, or null when the series has ended (COUNT/UNTIL). */
export function nextOccurrence(input: NextOccurrenceInput): NextOccurrence | null {
  const rule = parseRule(input.rule);
  const zone = requireTimeZone(input.timezone);
  assertInput(input);
  const count = rule.kind === 'rrule' ? rule.parts.count : undefined;
  // Positions left after the completed one; 0 means it was the last (saves all the work below).
  const remaining = count === undefined ? Infinity : count - input.index - 1;
  if (remaining <= 0) return null;

  const { seriesStart, previousDue } = input;
  const next =
    input.basis === 'due_date' && seriesStart && previousDue
      ? nextByDueDate(rule, zone, seriesStart, previousDue, input, remaining)
      : nextByCompletion(rule, zone, input);
  if (!next || (count !== undefined && next.index >= count)) return null;
  return { due: new Date(next.dueMs), index: next.index };
}

/** The first n occurrences of a rule starting at `start` (inclusive), COUNT/UNTIL and the year-2200 end applied. */
export function previewOccurrences(rule: string, timezone: string, start: Date, n: number): Date[] {
  const parsed = parseRule(rule);
  const zone = requireTimeZone(timezone);
  assertDate('start', start);
  if (!Number.isInteger(n) || n < 0 || n > MAX_PREVIEW) throw new RangeError(`n must be an integer from 0 to ${MAX_PREVIEW}`);
  const first = toZoned(start, zone);
  return seriesFor(parsed, first, first.toPlainDateTime(), true)
    .first(n)
    .filter((ms) => ms <= LAST_OCCURRENCE_MS) // the series ends where nextOccurrence ends it
    .map((ms) => new Date(ms));
}

interface Found {
  dueMs: number;
  index: number;
}

/**
 * Basis `due_date`: the series is fixed by its DTSTART (seriesStart). The next occurrence is the
 * first one after the previous due date that is also in the future — completing an overdue task
 * rolls forward instead of producing another overdue one. Occurrences skipped by rolling forward
 * still take their positions, so COUNT=10 means "10 slots", not "10 completions".
 */
function nextByDueDate(
  rule: ParsedRule,
  zone: string,
  seriesStart: Date,
  previousDue: Date,
  input: NextOccurrenceInput,
  remaining: number,
): Found | null {
  const start = toZoned(seriesStart, zone);
  const series = seriesFor(rule, start, start.toPlainDateTime(), false);
  const prevMs = previousDue.getTime();
  const dueMs = series.firstAfter(Math.max(prevMs, input.now.getTime()));
  if (dueMs === null) return null;
  const skipped = series.countBetween(prevMs, dueMs, remaining);
  return { dueMs, index: input.index + 1 + skipped };
}

/**
 * Basis `completion`: the rule is restarted at the completion. Its anchor (a new DTSTART) is the
 * completion day at the previous due date's time of day (for HOURLY: the completion hour at the
 * previous due's minute), or the completion instant itself when there was no due date. The next
 * occurrence is the first one strictly after the anchor, the completion, now and the previous due
 * date — so it never lands on or before the occurrence just completed, even when that was done early.
 * Each completion takes exactly one position (there is nothing to skip).
 */
function nextByCompletion(rule: ParsedRule, zone: string, input: NextOccurrenceInput): Found | null {
  const completed = toZoned(input.completedAt, zone);
  const anchor = completionAnchor(rule, completed, input.previousDue);
  const series = seriesFor(pinTimeOfDay(rule, anchor.wall), anchor.start, anchor.wall, false);
  const floors = [anchor.start.epochMilliseconds, input.completedAt.getTime(), input.now.getTime()];
  if (input.previousDue) floors.push(input.previousDue.getTime());
  const dueMs = series.firstAfter(Math.max(...floors));
  return dueMs === null ? null : { dueMs, index: input.index + 1 };
}

interface Anchor {
  /** The anchor instant (a wall-clock time in a DST gap has been moved forward). */
  start: ZonedDateTime;
  /** The intended wall-clock time, which later occurrences keep. */
  wall: PlainDateTime;
}

function completionAnchor(rule: ParsedRule, completed: ZonedDateTime, previousDue: Date | null): Anchor {
  if (!previousDue) return { start: completed, wall: completed.toPlainDateTime() };
  const prev = toZoned(previousDue, completed.timeZoneId);
  if (rule.kind === 'rrule' && rule.parts.freq === 'HOURLY') {
    // Same hour as the completion, minutes/seconds of the previous due; done on instants so that
    // a repeated or skipped hour at a DST change cannot shift it.
    const ms = completed.epochMilliseconds - subHourMs(completed) + subHourMs(prev);
    const start = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(completed.timeZoneId);
    return { start, wall: start.toPlainDateTime() };
  }
  const wall = completed.toPlainDate().toPlainDateTime(prev.toPlainTime());
  return { start: fromWallClock(wall, completed.timeZoneId), wall };
}

function subHourMs(z: ZonedDateTime): number {
  return (z.minute * 60 + z.second) * 1000 + z.millisecond;
}

/**
 * An anchor built from a wall-clock time can fall into a DST gap and be moved (02:30 → 03:30).
 * RFC 5545 takes the time of day of later occurrences from DTSTART, so we state it explicitly
 * (BYHOUR/BYMINUTE/BYSECOND) to keep 02:30 on the following days. Same occurrences otherwise.
 */
function pinTimeOfDay(rule: ParsedRule, wall: PlainDateTime): ParsedRule {
  if (rule.kind === 'preset' || rule.parts.freq === 'HOURLY') return rule;
  const p = rule.parts;
  return {
    kind: 'rrule',
    parts: { ...p, byHour: p.byHour ?? [wall.hour], byMinute: p.byMinute ?? [wall.minute], bySecond: p.bySecond ?? [wall.second] },
  };
}

/**
 * nextOccurrence applies COUNT through the caller's index (so it keeps working when a due date
 * was edited by hand) and therefore drops it from the rule; previews keep it.
 */
function seriesFor(rule: ParsedRule, start: ZonedDateTime, wall: PlainDateTime, keepCount: boolean): Series {
  if (rule.kind === 'preset') return presetSeries(rule.preset, wall, start);
  const parts: RRuleParts = keepCount ? rule.parts : { ...rule.parts, count: undefined };
  return rruleSeries(parts, start);
}

function assertInput(input: NextOccurrenceInput): void {
  if (input.basis !== 'due_date' && input.basis !== 'completion') throw new RangeError(`Unknown basis '${String(input.basis)}'`);
  if (!Number.isSafeInteger(input.index) || input.index < 0) throw new RangeError('index must be a non-negative integer');
  if (input.seriesStart) assertDate('seriesStart', input.seriesStart);
  if (input.previousDue) assertDate('previousDue', input.previousDue);
  assertDate('completedAt', input.completedAt);
  assertDate('now', input.now);
}

function assertDate(name: string, value: Date): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new RangeError(`${name} must be a valid Date`);
}
