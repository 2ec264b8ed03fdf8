/**
 * Property tests: for random rules, zones, starts and completion times, walk a series through a
 * few completions and check the invariants every next occurrence must satisfy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { checkRecurrence, nextOccurrence, previewOccurrences, type RecurrenceBasis } from './index.js';

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/Sao_Paulo',
  'Australia/Sydney',
  'Australia/Lord_Howe', // 30-minute DST shift
  'Asia/Kolkata',
  'Pacific/Auckland',
];
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const MONTHDAYS = [1, 2, 15, 28, 29, 30, 31, -1, -2];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const rruleArb = fc
  .record({
    freq: fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'),
    interval: fc.integer({ min: 1, max: 4 }),
    byDay: fc.option(fc.subarray(WEEKDAYS, { minLength: 1 }), { nil: undefined }),
    byMonthDay: fc.option(fc.subarray(MONTHDAYS, { minLength: 1 }), { nil: undefined }),
    count: fc.option(fc.integer({ min: 2, max: 20 }), { nil: undefined }),
  })
  .map(({ freq, interval, byDay, byMonthDay, count }) => {
    const parts = [`FREQ=${freq}`, `INTERVAL=${interval}`];
    if (byDay) parts.push(`BYDAY=${byDay.join(',')}`);
    if (byMonthDay && freq !== 'WEEKLY') parts.push(`BYMONTHDAY=${byMonthDay.join(',')}`);
    if (count !== undefined) parts.push(`COUNT=${count}`);
    return parts.join(';');
  });

const ruleArb = fc
  .oneof(fc.constantFrom('daily', 'weekly', 'monthly', 'yearly'), rruleArb)
  .map((input) => checkRecurrence(input))
  .filter((check) => check.ok)
  .map((check) => (check.ok ? check.rule : ''));

/** Start instants 2000..2035, whole minutes. */
const startArb = fc.integer({ min: 946_684_800_000 / 60_000, max: 2_051_222_400_000 / 60_000 }).map((m) => new Date(m * 60_000));

/** Completion relative to the due date: up to 2 days early, up to 40 days late. */
const delaysArb = fc.array(fc.integer({ min: -2 * DAY, max: 40 * DAY }), { minLength: 1, maxLength: 4 });

const wallTime = (date: Date, zone: string) =>
  Temporal.Instant.fromEpochMilliseconds(date.getTime()).toZonedDateTimeISO(zone).toPlainTime();

/** Whether `time` exists on `date`'s calendar day in `zone` (false inside a DST gap). */
function timeExists(date: Date, time: Temporal.PlainTime, zone: string): boolean {
  const day = Temporal.Instant.fromEpochMilliseconds(date.getTime()).toZonedDateTimeISO(zone).toPlainDate();
  try {
    day.toPlainDateTime(time).toZonedDateTime(zone, { disambiguation: 'reject' });
    return true;
  } catch {
    return false;
  }
}

test('next occurrences are after the previous due and now, and lie on the series', () => {
  fc.assert(
    fc.property(
      ruleArb,
      fc.constantFrom(...ZONES),
      startArb,
      fc.constantFrom<RecurrenceBasis>('due_date', 'completion'),
      delaysArb,
      (rule, zone, start, basis, delays) => {
        const found: { index: number; due: Date }[] = [];
        const isPreset = !rule.startsWith('FREQ=');
        let previousDue = start;
        let index = 0;
        for (const delay of delays) {
          const now = new Date(previousDue.getTime() + delay);
          const next = nextOccurrence({ rule, basis, timezone: zone, seriesStart: start, index, previousDue, completedAt: now, now });
          if (next === null) {
            // Only COUNT can end these generated series.
            assert.match(rule, /COUNT=/, `${rule} ended without COUNT`);
            break;
          }
          assert.ok(next.due > previousDue, `due ${next.due.toISOString()} not after previous ${previousDue.toISOString()}`);
          assert.ok(next.due > now, `due ${next.due.toISOString()} not after now ${now.toISOString()}`);
          assert.ok(next.index > index);
          if (basis === 'completion') assert.equal(next.index, index + 1);
          if (basis === 'due_date') {
            found.push(next);
            // The wall clock keeps the start's time of day; a preset may only deviate where that
            // time does not exist (DST gap), an RRULE never (it skips such days).
            const want = wallTime(start, zone);
            const got = wallTime(next.due, zone);
            if (!got.equals(want)) {
              assert.ok(isPreset && !timeExists(next.due, want, zone), `time of day ${got} instead of ${want} for ${rule}`);
            }
          }
          previousDue = next.due;
          index = next.index;
        }
        // Every due date is the occurrence at its index in the series the preview computes.
        if (found.length > 0) {
          const series = previewOccurrences(rule, zone, start, index + 1);
          for (const { index: i, due } of found) assert.equal(due.getTime(), series[i]?.getTime(), `due is not occurrence #${i}`);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('completion basis keeps the previous due time of day (daily and coarser)', () => {
  fc.assert(
    fc.property(ruleArb, fc.constantFrom(...ZONES), startArb, fc.integer({ min: -2 * DAY, max: 40 * DAY }), (rule, zone, start, delay) => {
      const now = new Date(start.getTime() + delay);
      const next = nextOccurrence({
        rule,
        basis: 'completion',
        timezone: zone,
        seriesStart: start,
        index: 0,
        previousDue: start,
        completedAt: now,
        now,
      });
      if (next === null) return;
      const want = wallTime(start, zone);
      const got = wallTime(next.due, zone);
      if (!got.equals(want)) assert.ok(!timeExists(next.due, want, zone), `time of day ${got} instead of ${want} for ${rule}`);
    }),
    { numRuns: 100 },
  );
});
