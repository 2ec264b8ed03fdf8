/**
 * Agreement with an independent RFC 5545 implementation: the npm `rrule` package (rrule.js, its
 * own iterator, no code shared with rrule-temporal that this module builds on). Compared where the
 * two have the same semantics: UTC (rrule.js computes in UTC unless given a TZID, so any zone with
 * DST or a fixed offset would compare different conventions, not different answers), RRULEs only
 * (the presets clamp Jan 31 + 1 month to Feb 28, which RFC 5545 skips on purpose), and a DTSTART
 * that is itself an occurrence (RFC 5545 leaves an unsynchronised DTSTART undefined).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import rrulePkg from 'rrule';
import { checkRecurrence, nextOccurrence, previewOccurrences } from './index.js';
import { LAST_OCCURRENCE_MS } from './budget.js';

const { RRule } = rrulePkg as unknown as typeof import('rrule');

const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const MONTHDAYS = [1, 2, 13, 15, 28, 29, 30, 31, -1, -2, -7];
const DAY = 86_400_000;

interface RuleParts {
  freq: string;
  interval: number;
  byDay?: string[] | undefined;
  byMonthDay?: number[] | undefined;
  byMonth?: number[] | undefined;
  end?: string | { untilDays: number } | undefined;
}

const rruleArb: fc.Arbitrary<RuleParts> = fc.record({
  freq: fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'),
  interval: fc.integer({ min: 1, max: 5 }),
  byDay: fc.option(fc.subarray(WEEKDAYS, { minLength: 1 }), { nil: undefined }),
  byMonthDay: fc.option(fc.subarray(MONTHDAYS, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  byMonth: fc.option(fc.subarray([1, 2, 3, 6, 9, 12], { minLength: 1, maxLength: 3 }), { nil: undefined }),
  end: fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: 1, max: 25 }).map((count) => `COUNT=${count}`),
    fc.integer({ min: 1, max: 3 * 365 }).map((days) => ({ untilDays: days })),
  ),
});

/** Start instants 2000..2035 on whole minutes. */
const startArb = fc.integer({ min: 946_684_800_000 / 60_000, max: 2_051_222_400_000 / 60_000 }).map((m) => new Date(m * 60_000));

function ruleText(r: RuleParts, start: Date): string {
  const parts = [`FREQ=${r.freq}`, `INTERVAL=${r.interval}`];
  if (r.byDay) parts.push(`BYDAY=${r.byDay.join(',')}`);
  if (r.byMonthDay && r.freq !== 'WEEKLY') parts.push(`BYMONTHDAY=${r.byMonthDay.join(',')}`);
  if (r.byMonth) parts.push(`BYMONTH=${r.byMonth.join(',')}`);
  if (typeof r.end === 'string') parts.push(r.end);
  if (r.end && typeof r.end === 'object') {
    const until = new Date(start.getTime() + r.end.untilDays * DAY);
    parts.push(
      `UNTIL=${until
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '')}`,
    );
  }
  return parts.join(';');
}

/** rrule.js on the same text and start (its dates are UTC instants when no TZID is given). */
function oracle(rule: string, start: Date) {
  return new RRule({ ...RRule.parseString(rule), dtstart: start });
}

/** The first occurrence at or after `candidate` of the rule without COUNT/UNTIL: a synchronised DTSTART. */
function synchronisedStart(rule: string, candidate: Date): Date | null {
  const open = rule
    .split(';')
    .filter((p) => !p.startsWith('COUNT=') && !p.startsWith('UNTIL='))
    .join(';');
  return oracle(open, candidate).after(candidate, true);
}

const scenario = fc
  .tuple(rruleArb, startArb)
  .map(([r, candidate]) => {
    const draft = ruleText(r, candidate);
    const start = synchronisedStart(draft, candidate);
    return start ? { rule: ruleText(r, start), start } : null;
  })
  .filter((s): s is { rule: string; start: Date } => s !== null && checkRecurrence(s.rule).ok);

test('the first occurrences agree with rrule.js (UTC, synchronised DTSTART)', () => {
  fc.assert(
    fc.property(scenario, ({ rule, start }) => {
      const n = 12;
      const ours = previewOccurrences(rule, 'UTC', start, n).map((d) => d.toISOString());
      const theirs = oracle(rule, start)
        .all((_d, i) => i < n)
        .filter((d) => d.getTime() <= LAST_OCCURRENCE_MS) // none after the API's date range (year 2200)
        .map((d) => d.toISOString());
      assert.deepEqual(ours, theirs, `${rule} from ${start.toISOString()}`);
    }),
    {
      numRuns: 300,
      examples: [[{ rule: 'FREQ=MONTHLY;INTERVAL=5;BYDAY=SA;BYMONTHDAY=1;BYMONTH=12', start: new Date('2057-12-01T00:00:00.000Z') }]],
    },
  );
});

test('each next occurrence (due-date basis) is rrule.js’s first occurrence after the previous due and now', () => {
  fc.assert(
    fc.property(
      scenario,
      fc.array(fc.integer({ min: -3 * DAY, max: 60 * DAY }), { minLength: 1, maxLength: 4 }),
      ({ rule, start }, delays) => {
        const ref = oracle(rule, start);
        let previousDue = start;
        let index = 0;
        for (const delay of delays) {
          const now = new Date(previousDue.getTime() + delay);
          const next = nextOccurrence({
            rule,
            basis: 'due_date',
            timezone: 'UTC',
            seriesStart: start,
            index,
            previousDue,
            completedAt: now,
            now,
          });
          const after = new Date(Math.max(previousDue.getTime(), now.getTime()));
          const want = ref.after(after, false);
          if (want === null) {
            assert.equal(next, null, `${rule}: we found ${next?.due.toISOString()} after the series ended (COUNT/UNTIL)`);
            return;
          }
          // no occurrence after the API's date range (year 2200): rrule.js has no such bound
          if (want.getTime() > LAST_OCCURRENCE_MS) {
            assert.equal(next, null, `${rule}: we found ${next?.due.toISOString()}; the next one, ${want.toISOString()}, is after 2200`);
            return;
          }
          assert.ok(next, `${rule}: ended early; rrule.js has ${want.toISOString()}`);
          assert.equal(next.due.toISOString(), want.toISOString(), `${rule} after ${after.toISOString()}`);
          assert.equal(next.index, ref.between(start, want, true).length - 1, 'the index is its position in the series');
          previousDue = next.due;
          index = next.index;
        }
      },
    ),
    {
      numRuns: 200,
      examples: [
        // a yearly rule counted across a 6-week gap: its budget once ran out and the index was estimated (25, not 26)
        [
          { rule: 'FREQ=YEARLY;INTERVAL=1;BYDAY=MO,FR,SA,SU;UNTIL=20130106T000000Z', start: new Date('2012-11-23T00:00:00.000Z') },
          [3_715_200_000],
        ],
        // a Saturday that is 1 December, every 5 years: after 2057 the next is in 2227, past the date range
        [{ rule: 'FREQ=MONTHLY;INTERVAL=5;BYDAY=SA;BYMONTHDAY=1;BYMONTH=12', start: new Date('2057-12-01T00:00:00.000Z') }, [0, 0, 0, 0]],
      ],
    },
  );
});
