/**
 * Table-driven tests of the recurrence module. Times in the tables are wall-clock times in the
 * row's zone (default Europe/Berlin); expectations include the UTC offset so that each one pins
 * both the wall clock and the real instant.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Temporal } from 'temporal-polyfill';
import { EXACT_COUNT } from './budget.js';
import { checkRecurrence, isValidTimeZone, nextOccurrence, normalizeTimeZone, previewOccurrences, type RecurrenceBasis } from './index.js';
import { engineWork } from './series.js';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';

/** '2025-01-06T09:00' in `zone` (a gap time moves forward); with an offset it is exact. */
function at(text: string, zone = BERLIN): Date {
  const zdt = /([+-]\d\d:\d\d|Z)$/.test(text)
    ? Temporal.ZonedDateTime.from(`${text}[${zone}]`)
    : Temporal.PlainDateTime.from(text).toZonedDateTime(zone);
  return new Date(zdt.epochMilliseconds);
}

/** A Date as wall clock + offset in `zone`, e.g. '2025-01-07T09:00+01:00'. */
function local(date: Date, zone = BERLIN): string {
  const zdt = Temporal.Instant.fromEpochMilliseconds(date.getTime()).toZonedDateTimeISO(zone);
  return zdt.toString({ smallestUnit: 'minute', timeZoneName: 'never' });
}

interface Row {
  name: string;
  rule: string;
  basis?: RecurrenceBasis;
  tz?: string;
  start?: string | null;
  prev?: string | null;
  index?: number;
  done: string;
  now?: string;
  /** Expected next due (wall clock + offset), or null for "series ended". */
  next: string | null;
  nextIndex?: number;
}

const rows: Row[] = [
  // --- basis due_date: presets -------------------------------------------------------------
  {
    name: 'daily, completed on time',
    rule: 'daily',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-06T08:30',
    next: '2025-01-07T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'daily, overdue: rolls forward to the first occurrence after now, skipped slots count',
    rule: 'daily',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-10T15:37',
    next: '2025-01-11T09:00+01:00',
    nextIndex: 5,
  },
  {
    name: "daily, overdue: today's occurrence is still ahead",
    rule: 'daily',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-10T08:00',
    next: '2025-01-10T09:00+01:00',
    nextIndex: 4,
  },
  {
    name: 'daily, completed early: next after the previous due',
    rule: 'daily',
    start: '2025-01-06T09:00',
    prev: '2025-01-08T09:00',
    index: 2,
    done: '2025-01-06T10:00',
    next: '2025-01-09T09:00+01:00',
    nextIndex: 3,
  },
  {
    name: 'daily, occurrence exactly at now is not "after now"',
    rule: 'daily',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-07T09:00',
    next: '2025-01-08T09:00+01:00',
    nextIndex: 2,
  },
  {
    name: 'weekly',
    rule: 'weekly',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-06T12:00',
    next: '2025-01-13T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'weekly, overdue 3 weeks',
    rule: 'WEEKLY',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-28T12:00',
    next: '2025-02-03T09:00+01:00',
    nextIndex: 4,
  },
  {
    name: 'monthly from Jan 31 clamps to Feb 28',
    rule: 'monthly',
    start: '2025-01-31T09:00',
    prev: '2025-01-31T09:00',
    done: '2025-01-31T10:00',
    next: '2025-02-28T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'monthly from Jan 31 returns to Mar 31 (anchor day kept)',
    rule: 'monthly',
    start: '2025-01-31T09:00',
    prev: '2025-02-28T09:00',
    index: 1,
    done: '2025-02-28T10:00',
    next: '2025-03-31T09:00+02:00',
    nextIndex: 2,
  },
  {
    name: 'monthly then Apr 30',
    rule: 'monthly',
    start: '2025-01-31T09:00',
    prev: '2025-03-31T09:00',
    index: 2,
    done: '2025-03-31T10:00',
    next: '2025-04-30T09:00+02:00',
    nextIndex: 3,
  },
  {
    name: 'monthly from Jan 31 in a leap year gives Feb 29',
    rule: 'monthly',
    start: '2024-01-31T09:00',
    prev: '2024-01-31T09:00',
    done: '2024-01-31T10:00',
    next: '2024-02-29T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'yearly from Feb 29 gives Feb 28 in a common year',
    rule: 'yearly',
    start: '2024-02-29T09:00',
    prev: '2024-02-29T09:00',
    done: '2024-02-29T10:00',
    next: '2025-02-28T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'yearly from Feb 29 returns to Feb 29 in the next leap year',
    rule: 'yearly',
    start: '2024-02-29T09:00',
    prev: '2027-02-28T09:00',
    index: 3,
    done: '2027-02-28T10:00',
    next: '2028-02-29T09:00+01:00',
    nextIndex: 4,
  },

  // --- basis due_date: RRULEs (RFC 5545) --------------------------------------------------
  {
    name: 'BYMONTHDAY=31 skips short months',
    rule: 'FREQ=MONTHLY;BYMONTHDAY=31',
    start: '2025-01-31T09:00',
    prev: '2025-01-31T09:00',
    done: '2025-01-31T10:00',
    next: '2025-03-31T09:00+02:00',
    nextIndex: 1,
  },
  {
    name: 'BYMONTHDAY=31 skips April',
    rule: 'FREQ=MONTHLY;BYMONTHDAY=31',
    start: '2025-01-31T09:00',
    prev: '2025-03-31T09:00',
    index: 1,
    done: '2025-03-31T10:00',
    next: '2025-05-31T09:00+02:00',
    nextIndex: 2,
  },
  {
    name: 'FREQ=MONTHLY from the 31st follows RFC (skips), unlike the preset',
    rule: 'FREQ=MONTHLY',
    start: '2025-01-31T09:00',
    prev: '2025-01-31T09:00',
    done: '2025-01-31T10:00',
    next: '2025-03-31T09:00+02:00',
    nextIndex: 1,
  },
  {
    name: 'BYMONTHDAY=-1 is the last day: Feb 28',
    rule: 'FREQ=MONTHLY;BYMONTHDAY=-1',
    start: '2025-01-31T09:00',
    prev: '2025-01-31T09:00',
    done: '2025-01-31T10:00',
    next: '2025-02-28T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'BYMONTHDAY=-1: Apr 30 after Mar 31',
    rule: 'FREQ=MONTHLY;BYMONTHDAY=-1',
    start: '2025-01-31T09:00',
    prev: '2025-03-31T09:00',
    index: 2,
    done: '2025-03-31T10:00',
    next: '2025-04-30T09:00+02:00',
    nextIndex: 3,
  },
  {
    name: 'BYMONTHDAY=-1: Feb 29 in a leap year',
    rule: 'FREQ=MONTHLY;BYMONTHDAY=-1',
    start: '2024-01-31T09:00',
    prev: '2024-01-31T09:00',
    done: '2024-01-31T10:00',
    next: '2024-02-29T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'every other week Mon+Wed: Mon → Wed',
    rule: 'FREQ=WEEKLY;BYDAY=MO,WE;INTERVAL=2',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-06T10:00',
    next: '2025-01-08T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'every other week Mon+Wed: Wed → Mon two weeks on',
    rule: 'FREQ=WEEKLY;BYDAY=MO,WE;INTERVAL=2',
    start: '2025-01-06T09:00',
    prev: '2025-01-08T09:00',
    index: 1,
    done: '2025-01-08T10:00',
    next: '2025-01-20T09:00+01:00',
    nextIndex: 2,
  },
  {
    name: 'every other week Mon+Wed, overdue: skipped Mon and Wed count',
    rule: 'FREQ=WEEKLY;BYDAY=MO,WE;INTERVAL=2',
    start: '2025-01-06T09:00',
    prev: '2025-01-08T09:00',
    index: 1,
    done: '2025-01-23T10:00',
    next: '2025-02-03T09:00+01:00',
    nextIndex: 4,
  },
  {
    name: 'DTSTART off-pattern is occurrence 0; next is the first Monday',
    rule: 'FREQ=WEEKLY;BYDAY=MO',
    start: '2025-01-01T09:00',
    prev: '2025-01-01T09:00',
    done: '2025-01-01T10:00',
    next: '2025-01-06T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'last weekday of the month (BYSETPOS=-1)',
    rule: 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
    start: '2025-01-31T17:00',
    prev: '2025-01-31T17:00',
    done: '2025-01-31T18:00',
    next: '2025-02-28T17:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'second Tuesday (BYDAY=2TU)',
    rule: 'FREQ=MONTHLY;BYDAY=2TU',
    start: '2025-01-14T09:00',
    prev: '2025-01-14T09:00',
    done: '2025-01-14T10:00',
    next: '2025-02-11T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'BYHOUR: two slots a day',
    rule: 'FREQ=DAILY;BYHOUR=9,17',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-06T10:00',
    next: '2025-01-06T17:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'HOURLY;INTERVAL=4',
    rule: 'FREQ=HOURLY;INTERVAL=4',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T13:00',
    index: 1,
    done: '2025-01-06T13:05',
    next: '2025-01-06T17:00+01:00',
    nextIndex: 2,
  },
  {
    name: 'HOURLY: a wall-clock hour repeated at fall-back occurs once (the first)',
    rule: 'FREQ=HOURLY',
    start: '2025-10-26T01:00',
    prev: '2025-10-26T02:00+02:00',
    index: 1,
    done: '2025-10-26T02:10+02:00',
    next: '2025-10-26T03:00+01:00',
    nextIndex: 2,
  },
  {
    name: 'HOURLY;INTERVAL=3 counts real hours across fall-back',
    rule: 'FREQ=HOURLY;INTERVAL=3',
    start: '2025-10-26T00:00',
    prev: '2025-10-26T00:00',
    done: '2025-10-26T00:10',
    next: '2025-10-26T02:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'HOURLY: the hour missing at spring-forward is skipped',
    rule: 'FREQ=HOURLY',
    start: '2025-03-30T00:00',
    prev: '2025-03-30T01:00',
    index: 1,
    done: '2025-03-30T01:10',
    next: '2025-03-30T03:00+02:00',
    nextIndex: 2,
  },

  // --- COUNT and UNTIL ----------------------------------------------------------------------
  {
    name: 'COUNT=3: index 1 → 2',
    rule: 'FREQ=DAILY;COUNT=3',
    start: '2025-01-06T09:00',
    prev: '2025-01-07T09:00',
    index: 1,
    done: '2025-01-07T10:00',
    next: '2025-01-08T09:00+01:00',
    nextIndex: 2,
  },
  {
    name: 'COUNT=3: index 2 was the last',
    rule: 'FREQ=DAILY;COUNT=3',
    start: '2025-01-06T09:00',
    prev: '2025-01-08T09:00',
    index: 2,
    done: '2025-01-08T10:00',
    next: null,
  },
  {
    name: 'COUNT=5: rolling forward past the remaining slots ends the series',
    rule: 'FREQ=DAILY;COUNT=5',
    start: '2025-01-06T09:00',
    prev: '2025-01-07T09:00',
    index: 1,
    done: '2025-01-12T10:00',
    next: null,
  },
  {
    name: 'COUNT=10: rolling forward consumes the skipped slots',
    rule: 'FREQ=DAILY;COUNT=10',
    start: '2025-01-06T09:00',
    prev: '2025-01-07T09:00',
    index: 1,
    done: '2025-01-12T10:00',
    next: '2025-01-13T09:00+01:00',
    nextIndex: 7,
  },
  {
    name: 'UNTIL (UTC): last occurrence exactly at UNTIL is included',
    rule: 'FREQ=DAILY;UNTIL=20250110T080000Z',
    start: '2025-01-06T09:00',
    prev: '2025-01-09T09:00',
    index: 3,
    done: '2025-01-09T10:00',
    next: '2025-01-10T09:00+01:00',
    nextIndex: 4,
  },
  {
    name: 'UNTIL (UTC): series ends',
    rule: 'FREQ=DAILY;UNTIL=20250110T080000Z',
    start: '2025-01-06T09:00',
    prev: '2025-01-10T09:00',
    index: 4,
    done: '2025-01-10T10:00',
    next: null,
  },
  {
    name: 'UNTIL as a date is inclusive through that day in the task zone',
    rule: 'FREQ=DAILY;UNTIL=20250110',
    start: '2025-01-06T23:30',
    prev: '2025-01-09T23:30',
    index: 3,
    done: '2025-01-09T23:45',
    next: '2025-01-10T23:30+01:00',
    nextIndex: 4,
  },
  {
    name: 'UNTIL as a date: ends after that day',
    rule: 'FREQ=DAILY;UNTIL=20250110',
    start: '2025-01-06T23:30',
    prev: '2025-01-10T23:30',
    index: 4,
    done: '2025-01-10T23:45',
    next: null,
  },
  {
    name: 'UNTIL already passed when completing late',
    rule: 'FREQ=WEEKLY;UNTIL=20250201T000000Z',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-02-10T10:00',
    next: null,
  },

  // --- DST: 09:00 stays 09:00 ----------------------------------------------------------------
  {
    name: 'Berlin daily 09:00 across spring forward (preset)',
    rule: 'daily',
    start: '2025-03-28T09:00',
    prev: '2025-03-29T09:00',
    index: 1,
    done: '2025-03-29T09:30',
    next: '2025-03-30T09:00+02:00',
    nextIndex: 2,
  },
  {
    name: 'Berlin daily 09:00 across spring forward (RRULE)',
    rule: 'FREQ=DAILY',
    start: '2025-03-28T09:00',
    prev: '2025-03-29T09:00',
    index: 1,
    done: '2025-03-29T09:30',
    next: '2025-03-30T09:00+02:00',
    nextIndex: 2,
  },
  {
    name: 'Berlin daily 09:00 across fall back (preset)',
    rule: 'daily',
    start: '2025-10-24T09:00',
    prev: '2025-10-25T09:00',
    index: 1,
    done: '2025-10-25T09:30',
    next: '2025-10-26T09:00+01:00',
    nextIndex: 2,
  },
  {
    name: 'Berlin daily 09:00 across fall back (RRULE)',
    rule: 'FREQ=DAILY',
    start: '2025-10-24T09:00',
    prev: '2025-10-25T09:00',
    index: 1,
    done: '2025-10-25T09:30',
    next: '2025-10-26T09:00+01:00',
    nextIndex: 2,
  },
  {
    name: 'Berlin daily, overdue across the spring change',
    rule: 'daily',
    start: '2025-03-20T09:00',
    prev: '2025-03-20T09:00',
    done: '2025-04-02T12:00',
    next: '2025-04-03T09:00+02:00',
    nextIndex: 14,
  },
  {
    name: 'Berlin weekly 09:00 across fall back',
    rule: 'weekly',
    start: '2025-10-20T09:00',
    prev: '2025-10-20T09:00',
    done: '2025-10-20T09:30',
    next: '2025-10-27T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'New York daily 09:00 across spring forward',
    rule: 'daily',
    tz: NEW_YORK,
    start: '2025-03-07T09:00',
    prev: '2025-03-08T09:00',
    index: 1,
    done: '2025-03-08T09:30',
    next: '2025-03-09T09:00-04:00',
    nextIndex: 2,
  },
  {
    name: 'New York daily 09:00 across fall back (RRULE)',
    rule: 'FREQ=DAILY',
    tz: NEW_YORK,
    start: '2025-10-31T09:00',
    prev: '2025-11-01T09:00',
    index: 1,
    done: '2025-11-01T09:30',
    next: '2025-11-02T09:00-05:00',
    nextIndex: 2,
  },

  // --- DST: times that do not exist or exist twice -------------------------------------------
  {
    name: 'preset: 02:30 on the spring-forward day does not exist → moved to 03:30',
    rule: 'daily',
    start: '2025-03-28T02:30',
    prev: '2025-03-29T02:30',
    index: 1,
    done: '2025-03-29T08:00',
    next: '2025-03-30T03:30+02:00',
    nextIndex: 2,
  },
  {
    name: 'preset: the day after the gap is back at 02:30',
    rule: 'daily',
    start: '2025-03-28T02:30',
    prev: '2025-03-30T03:30+02:00',
    index: 2,
    done: '2025-03-30T08:00',
    next: '2025-03-31T02:30+02:00',
    nextIndex: 3,
  },
  {
    name: 'RRULE: 02:30 in the gap is skipped (RFC 5545) and takes no position',
    rule: 'FREQ=DAILY',
    start: '2025-03-28T02:30',
    prev: '2025-03-29T02:30',
    index: 1,
    done: '2025-03-29T08:00',
    next: '2025-03-31T02:30+02:00',
    nextIndex: 2,
  },
  {
    name: 'New York preset: 02:30 on Mar 9 → 03:30 EDT',
    rule: 'daily',
    tz: NEW_YORK,
    start: '2025-03-07T02:30',
    prev: '2025-03-08T02:30',
    index: 1,
    done: '2025-03-08T08:00',
    next: '2025-03-09T03:30-04:00',
    nextIndex: 2,
  },
  {
    name: 'New York RRULE: 02:30 on Mar 9 skipped',
    rule: 'FREQ=DAILY',
    tz: NEW_YORK,
    start: '2025-03-07T02:30',
    prev: '2025-03-08T02:30',
    index: 1,
    done: '2025-03-08T08:00',
    next: '2025-03-10T02:30-04:00',
    nextIndex: 2,
  },
  {
    name: 'preset: ambiguous 02:30 on the fall-back day → the first (summer-time) one',
    rule: 'daily',
    start: '2025-10-24T02:30',
    prev: '2025-10-25T02:30',
    index: 1,
    done: '2025-10-25T08:00',
    next: '2025-10-26T02:30+02:00',
    nextIndex: 2,
  },
  {
    name: 'RRULE: ambiguous 02:30 → the first one',
    rule: 'FREQ=DAILY',
    start: '2025-10-24T02:30',
    prev: '2025-10-25T02:30',
    index: 1,
    done: '2025-10-25T08:00',
    next: '2025-10-26T02:30+02:00',
    nextIndex: 2,
  },
  {
    name: 'Samoa skipped 2011-12-30 entirely: daily preset moves to the 31st',
    rule: 'daily',
    tz: 'Pacific/Apia',
    start: '2011-12-28T09:00',
    prev: '2011-12-29T09:00',
    index: 1,
    done: '2011-12-29T10:00',
    next: '2011-12-31T09:00+14:00',
    nextIndex: 2,
  },
  {
    name: 'zone without DST and a half-hour offset',
    rule: 'weekly',
    tz: 'Asia/Kolkata',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-06T10:00',
    next: '2025-01-13T09:00+05:30',
    nextIndex: 1,
  },

  // --- basis completion ------------------------------------------------------------------------
  {
    name: 'completion: daily done Tue 15:37 → Wed at the due time of day',
    rule: 'daily',
    basis: 'completion',
    start: '2025-01-06T09:00',
    prev: '2025-01-07T09:00',
    index: 1,
    done: '2025-01-07T15:37',
    next: '2025-01-08T09:00+01:00',
    nextIndex: 2,
  },
  {
    name: 'completion: daily done two days late counts from the completion day',
    rule: 'daily',
    basis: 'completion',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-08T20:00',
    next: '2025-01-09T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'completion: INTERVAL=3 → 3 days after the completion day',
    rule: 'FREQ=DAILY;INTERVAL=3',
    basis: 'completion',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-07T15:37',
    next: '2025-01-10T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'completion: BYDAY=MO → the next Monday after completion',
    rule: 'FREQ=WEEKLY;BYDAY=MO',
    basis: 'completion',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-08T12:00',
    next: '2025-01-13T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'completion: BYDAY=MO done on a Monday → the Monday after',
    rule: 'FREQ=WEEKLY;BYDAY=MO',
    basis: 'completion',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-13T08:00',
    next: '2025-01-20T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'completion: weekly preset → 7 days after the completion day',
    rule: 'weekly',
    basis: 'completion',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-08T12:00',
    next: '2025-01-15T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'completion: monthly preset done Jan 31 → Feb 28',
    rule: 'monthly',
    basis: 'completion',
    start: '2025-01-15T09:00',
    prev: '2025-01-15T09:00',
    done: '2025-01-31T12:00',
    next: '2025-02-28T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'completion: BYHOUR slots → the next slot after completion',
    rule: 'FREQ=DAILY;BYHOUR=9,17',
    basis: 'completion',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-06T10:00',
    next: '2025-01-06T17:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'completion: HOURLY;INTERVAL=4 → completion hour at the due minute + 4h',
    rule: 'FREQ=HOURLY;INTERVAL=4',
    basis: 'completion',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-06T15:37',
    next: '2025-01-06T19:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'completion: no previous due → completedAt + one interval',
    rule: 'daily',
    basis: 'completion',
    start: null,
    prev: null,
    done: '2025-01-07T15:37',
    next: '2025-01-08T15:37+01:00',
    nextIndex: 1,
  },
  {
    name: 'completion: no previous due, RRULE',
    rule: 'FREQ=WEEKLY',
    basis: 'completion',
    start: null,
    prev: null,
    done: '2025-01-07T15:37',
    next: '2025-01-14T15:37+01:00',
    nextIndex: 1,
  },
  {
    name: 'completion: done early never lands on/before the previous due',
    rule: 'daily',
    basis: 'completion',
    start: '2025-01-06T09:00',
    prev: '2025-01-09T09:00',
    index: 3,
    done: '2025-01-07T10:00',
    next: '2025-01-10T09:00+01:00',
    nextIndex: 4,
  },
  {
    name: 'completion: COUNT=2 index 0 → 1',
    rule: 'FREQ=DAILY;COUNT=2',
    basis: 'completion',
    start: '2025-01-06T09:00',
    prev: '2025-01-06T09:00',
    done: '2025-01-09T12:00',
    next: '2025-01-10T09:00+01:00',
    nextIndex: 1,
  },
  {
    name: 'completion: COUNT=2 index 1 was the last',
    rule: 'FREQ=DAILY;COUNT=2',
    basis: 'completion',
    start: '2025-01-06T09:00',
    prev: '2025-01-10T09:00',
    index: 1,
    done: '2025-01-10T12:00',
    next: null,
  },
  {
    name: 'completion: UNTIL ends the series',
    rule: 'FREQ=DAILY;UNTIL=20250110T235959Z',
    basis: 'completion',
    start: '2025-01-06T09:00',
    prev: '2025-01-10T09:00',
    index: 4,
    done: '2025-01-10T12:00',
    next: null,
  },
  {
    name: 'completion: 02:30 anchor in the gap; RRULE keeps 02:30 the next day',
    rule: 'FREQ=DAILY',
    basis: 'completion',
    start: '2025-03-28T02:30',
    prev: '2025-03-29T02:30',
    index: 1,
    done: '2025-03-30T10:00',
    next: '2025-03-31T02:30+02:00',
    nextIndex: 2,
  },
  {
    name: 'completion: 02:30 preset lands in the gap → 03:30',
    rule: 'daily',
    basis: 'completion',
    start: '2025-03-28T02:30',
    prev: '2025-03-29T02:30',
    index: 1,
    done: '2025-03-29T10:00',
    next: '2025-03-30T03:30+02:00',
    nextIndex: 2,
  },
  {
    name: 'completion: 09:00 kept across DST (New York)',
    rule: 'daily',
    basis: 'completion',
    tz: NEW_YORK,
    start: '2025-11-01T09:00',
    prev: '2025-11-01T09:00',
    done: '2025-11-01T18:00',
    next: '2025-11-02T09:00-05:00',
    nextIndex: 1,
  },

  // --- due_date basis without dates falls back to completion -----------------------------------
  {
    name: 'due_date basis without a due date behaves as completion',
    rule: 'daily',
    start: null,
    prev: null,
    done: '2025-01-07T15:37',
    next: '2025-01-08T15:37+01:00',
    nextIndex: 1,
  },
];

describe('nextOccurrence', () => {
  for (const row of rows) {
    test(row.name, () => {
      const tz = row.tz ?? BERLIN;
      const result = nextOccurrence({
        rule: row.rule,
        basis: row.basis ?? 'due_date',
        timezone: tz,
        seriesStart: row.start ? at(row.start, tz) : null,
        previousDue: row.prev ? at(row.prev, tz) : null,
        index: row.index ?? 0,
        completedAt: at(row.done, tz),
        now: at(row.now ?? row.done, tz),
      });
      if (row.next === null) {
        assert.equal(result, null);
        return;
      }
      assert.ok(result, 'expected an occurrence, got null');
      assert.equal(local(result.due, tz), row.next);
      if (row.nextIndex !== undefined) assert.equal(result.index, row.nextIndex);
    });
  }

  test('a task overdue by years rolls forward quickly and counts every skipped slot', () => {
    const start = at('2000-01-03T09:00');
    const t0 = performance.now();
    const result = nextOccurrence({
      rule: 'FREQ=DAILY',
      basis: 'due_date',
      timezone: BERLIN,
      seriesStart: start,
      previousDue: start,
      index: 0,
      completedAt: at('2025-01-06T10:00'),
      now: at('2025-01-06T10:00'),
    });
    assert.ok(result);
    assert.equal(local(result.due), '2025-01-07T09:00+01:00');
    // 2000-01-03 .. 2025-01-07 is 9136 days.
    assert.equal(result.index, 9136);
    assert.ok(performance.now() - t0 < 1000);
  });

  test('rejects bad input', () => {
    const base = {
      rule: 'daily',
      basis: 'due_date' as const,
      timezone: BERLIN,
      seriesStart: null,
      previousDue: null,
      index: 0,
      completedAt: new Date(),
      now: new Date(),
    };
    assert.throws(() => nextOccurrence({ ...base, timezone: 'Mars/Olympus' }), RangeError);
    assert.throws(() => nextOccurrence({ ...base, rule: 'FREQ=SOMETIMES' }), /Unknown FREQ/);
    assert.throws(() => nextOccurrence({ ...base, index: -1 }), RangeError);
    assert.throws(() => nextOccurrence({ ...base, now: new Date(Number.NaN) }), RangeError);
  });
});

describe('previewOccurrences', () => {
  type Case = { name: string; rule: string; tz?: string; start: string; n: number; expect: string[] };
  /** An example of RFC 5545 §3.8.5.3, all in America/New_York: the first `n` starts from `start`. */
  const rfcExample = (name: string, rule: string, start: string, n: number, expect: string[]): Case => ({
    name: `RFC 5545 example, ${name}`,
    rule,
    tz: NEW_YORK,
    start,
    n,
    expect,
  });
  const cases: Case[] = [
    {
      name: 'monthly preset from Jan 31',
      rule: 'monthly',
      start: '2025-01-31T09:00',
      n: 4,
      expect: ['2025-01-31T09:00+01:00', '2025-02-28T09:00+01:00', '2025-03-31T09:00+02:00', '2025-04-30T09:00+02:00'],
    },
    {
      name: 'yearly preset from Feb 29',
      rule: 'yearly',
      start: '2024-02-29T09:00',
      n: 5,
      expect: [
        '2024-02-29T09:00+01:00',
        '2025-02-28T09:00+01:00',
        '2026-02-28T09:00+01:00',
        '2027-02-28T09:00+01:00',
        '2028-02-29T09:00+01:00',
      ],
    },
    {
      name: 'BYMONTHDAY=31 skips',
      rule: 'FREQ=MONTHLY;BYMONTHDAY=31',
      start: '2025-01-31T09:00',
      n: 4,
      expect: ['2025-01-31T09:00+01:00', '2025-03-31T09:00+02:00', '2025-05-31T09:00+02:00', '2025-07-31T09:00+02:00'],
    },
    {
      name: 'COUNT caps the preview',
      rule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=5',
      start: '2025-01-06T09:00',
      n: 10,
      expect: [
        '2025-01-06T09:00+01:00',
        '2025-01-08T09:00+01:00',
        '2025-01-20T09:00+01:00',
        '2025-01-22T09:00+01:00',
        '2025-02-03T09:00+01:00',
      ],
    },
    // RFC 5545 §3.8.5.3 examples: WKST changes which weeks INTERVAL=2 selects.
    rfcExample('WKST=MO', 'FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO', '1997-08-05T09:00', 10, [
      '1997-08-05T09:00-04:00',
      '1997-08-10T09:00-04:00',
      '1997-08-19T09:00-04:00',
      '1997-08-24T09:00-04:00',
    ]),
    rfcExample('WKST=SU', 'FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU', '1997-08-05T09:00', 10, [
      '1997-08-05T09:00-04:00',
      '1997-08-17T09:00-04:00',
      '1997-08-19T09:00-04:00',
      '1997-08-31T09:00-04:00',
    ]),
    rfcExample('monthly on the 2nd and 15th', 'FREQ=MONTHLY;COUNT=4;BYMONTHDAY=2,15', '1997-09-02T09:00', 10, [
      '1997-09-02T09:00-04:00',
      '1997-09-15T09:00-04:00',
      '1997-10-02T09:00-04:00',
      '1997-10-15T09:00-04:00',
    ]),
    rfcExample('first and last Sunday', 'FREQ=MONTHLY;INTERVAL=2;COUNT=4;BYDAY=1SU,-1SU', '1997-09-07T09:00', 10, [
      '1997-09-07T09:00-04:00',
      '1997-09-28T09:00-04:00',
      '1997-11-02T09:00-05:00',
      '1997-11-30T09:00-05:00',
    ]),
    // DTSTART (Sep 2) is occurrence 0 even though it is not a Friday the 13th (RFC: DTSTART counts).
    rfcExample('Friday the 13th', 'FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13', '1997-09-02T09:00', 5, [
      '1997-09-02T09:00-04:00',
      '1998-02-13T09:00-05:00',
      '1998-03-13T09:00-05:00',
      '1998-11-13T09:00-05:00',
      '1999-08-13T09:00-04:00',
    ]),
    rfcExample('US election day', 'FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8', '1996-11-05T09:00', 3, [
      '1996-11-05T09:00-05:00',
      '2000-11-07T09:00-05:00',
      '2004-11-02T09:00-05:00',
    ]),
    rfcExample('third of TU/WE/TH (BYSETPOS=3)', 'FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3', '1997-09-04T09:00', 10, [
      '1997-09-04T09:00-04:00',
      '1997-10-07T09:00-04:00',
      '1997-11-06T09:00-05:00',
    ]),
    rfcExample('second-to-last weekday (BYSETPOS=-2)', 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2', '1997-09-29T09:00', 5, [
      '1997-09-29T09:00-04:00',
      '1997-10-30T09:00-05:00',
      '1997-11-27T09:00-05:00',
      '1997-12-30T09:00-05:00',
      '1998-01-29T09:00-05:00',
    ]),
    rfcExample('Monday of week 20', 'FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO', '1997-05-12T09:00', 3, [
      '1997-05-12T09:00-04:00',
      '1998-05-11T09:00-04:00',
      '1999-05-17T09:00-04:00',
    ]),
    rfcExample('20th Monday of the year', 'FREQ=YEARLY;BYDAY=20MO', '1997-05-19T09:00', 3, [
      '1997-05-19T09:00-04:00',
      '1998-05-18T09:00-04:00',
      '1999-05-17T09:00-04:00',
    ]),
    {
      name: 'Berlin daily 09:00 through the March change',
      rule: 'daily',
      start: '2025-03-29T09:00',
      n: 3,
      expect: ['2025-03-29T09:00+01:00', '2025-03-30T09:00+02:00', '2025-03-31T09:00+02:00'],
    },
    {
      name: 'UNTIL ends the preview',
      rule: 'FREQ=DAILY;UNTIL=20250108',
      start: '2025-01-06T09:00',
      n: 10,
      expect: ['2025-01-06T09:00+01:00', '2025-01-07T09:00+01:00', '2025-01-08T09:00+01:00'],
    },
    { name: 'n = 0', rule: 'daily', start: '2025-01-06T09:00', n: 0, expect: [] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const tz = c.tz ?? BERLIN;
      const got = previewOccurrences(c.rule, tz, at(c.start, tz), c.n).map((d) => local(d, tz));
      assert.deepEqual(got, c.expect);
    });
  }

  test('rejects an unreasonable n', () => {
    assert.throws(() => previewOccurrences('daily', BERLIN, new Date(), 100_000), RangeError);
    assert.throws(() => previewOccurrences('daily', BERLIN, new Date(), 1.5), RangeError);
  });
});

describe('checkRecurrence', () => {
  /** rules kept as given: already canonical */
  const canonical = [
    'daily',
    'yearly',
    'FREQ=DAILY',
    'FREQ=MONTHLY;BYMONTHDAY=-1',
    'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29',
    'FREQ=DAILY;UNTIL=20251231',
    'FREQ=HOURLY;INTERVAL=4',
    'FREQ=YEARLY;BYWEEKNO=53',
    'FREQ=YEARLY;BYYEARDAY=366',
    'FREQ=MONTHLY;BYDAY=5FR',
    'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO',
    'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
  ];
  /** accepted in another spelling, stored canonical (upper case, sorted lists, defaults dropped) */
  const respelled: [string, string][] = [
    ['Weekly', 'weekly'],
    ['  MONTHLY ', 'monthly'],
    ['RRULE:FREQ=DAILY', 'FREQ=DAILY'],
    ['rrule:freq=weekly;byday=we,mo;interval=2', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE'],
    ['FREQ=WEEKLY;BYDAY=MO,WE;INTERVAL=2', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE'],
    ['FREQ=DAILY;INTERVAL=1;WKST=MO', 'FREQ=DAILY'],
    ['FREQ=MONTHLY;BYMONTHDAY=15,1,15', 'FREQ=MONTHLY;BYMONTHDAY=1,15'],
    ['FREQ=MONTHLY;BYDAY=+1MO', 'FREQ=MONTHLY;BYDAY=1MO'],
    ['FREQ=DAILY;COUNT=10;', 'FREQ=DAILY;COUNT=10'],
    ['FREQ=DAILY;UNTIL=20251231T235959z', 'FREQ=DAILY;UNTIL=20251231T235959Z'],
    ['FREQ=DAILY;BYHOUR=17,9;BYMINUTE=30', 'FREQ=DAILY;BYHOUR=9,17;BYMINUTE=30'],
  ];
  const valid: [string, string][] = [...canonical.map((r): [string, string] => [r, r]), ...respelled];
  for (const [input, rule] of valid) {
    test(`accepts ${JSON.stringify(input)}`, () => assert.deepEqual(checkRecurrence(input), { ok: true, rule }));
  }

  const invalid: [string, RegExp][] = [
    ['', /empty/],
    ['fortnightly', /Malformed/],
    ['FREQ=FORTNIGHTLY', /Unknown FREQ/],
    ['FREQ=MINUTELY', /too frequent/],
    ['FREQ=SECONDLY', /too frequent/],
    ['INTERVAL=2', /FREQ is required/],
    ['FREQ=DAILY;INTERVAL=0', /INTERVAL must be between 1/],
    ['FREQ=DAILY;INTERVAL=abc', /whole number/],
    ['FREQ=DAILY;COUNT=0', /COUNT must be between 1/],
    ['FREQ=DAILY;COUNT=3;UNTIL=20250101', /COUNT and UNTIL/],
    ['FREQ=DAILY;UNTIL=20250230', /not a real date/],
    ['FREQ=DAILY;UNTIL=20250201T000000', /UTC/],
    ['FREQ=WEEKLY;BYDAY=XX', /BYDAY value 'XX'/],
    ['FREQ=WEEKLY;BYDAY=MO,', /Empty item/],
    ['FREQ=WEEKLY;BYDAY=1MO', /ordinal.*MONTHLY or FREQ=YEARLY/],
    ['FREQ=MONTHLY;BYDAY=6MO', /at most 5/],
    ['FREQ=MONTHLY;BYMONTHDAY=0', /BYMONTHDAY must be between/],
    ['FREQ=MONTHLY;BYMONTHDAY=32', /BYMONTHDAY must be between/],
    ['FREQ=WEEKLY;BYMONTHDAY=1', /BYMONTHDAY cannot be used with FREQ=WEEKLY/],
    ['FREQ=MONTHLY;BYYEARDAY=1', /BYYEARDAY cannot/],
    ['FREQ=MONTHLY;BYWEEKNO=1', /BYWEEKNO can only/],
    ['FREQ=DAILY;BYSETPOS=1', /BYSETPOS needs/],
    ['FREQ=DAILY;BYHOUR=24', /BYHOUR must be between 0 and 23/],
    ['FREQ=HOURLY;BYMINUTE=0,30', /too frequent/],
    ['FREQ=DAILY;FREQ=WEEKLY', /more than once/],
    ['FREQ=DAILY;FOO=1', /Unknown rule part FOO/],
    ['FREQ=DAILY;RSCALE=HEBREW', /not supported/],
    ['DTSTART=20250101T090000Z;FREQ=DAILY', /DTSTART and TZID are not allowed/],
    ['FREQ=DAILY;TZID=Europe/Berlin', /DTSTART and TZID are not allowed/],
    ['DTSTART:20250101T090000Z\nRRULE:FREQ=DAILY', /single RRULE line/],
    ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', /never produce/],
    ['FREQ=MONTHLY;BYMONTH=4,6,9,11;BYMONTHDAY=31', /never produce/],
    ['FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30,31', /never produce/],
    ['FREQ=HOURLY;BYMONTH=4;BYMONTHDAY=31', /never produce/],
    ['FREQ=YEARLY;BYMONTH=6;BYYEARDAY=1', /never produce/],
    ['FREQ=YEARLY;BYWEEKNO=1;BYMONTH=6', /never produce/],
    ['FREQ=DAILY;BYHOUR=9;BYSETPOS=2', /never produce/],
    // Combinations rrule-temporal gets wrong (see rule.ts, checkEngineSupport).
    ['FREQ=YEARLY;BYYEARDAY=59;BYMONTHDAY=1', /BYYEARDAY combined with BYMONTHDAY is not supported/],
    ['FREQ=YEARLY;BYYEARDAY=100;BYDAY=MO', /BYYEARDAY combined with BYDAY is not supported/],
    ['FREQ=YEARLY;BYWEEKNO=1;BYMONTHDAY=1', /BYWEEKNO combined with BYMONTHDAY is not supported/],
    ['FREQ=YEARLY;BYWEEKNO=1;BYYEARDAY=1', /BYWEEKNO combined with BYYEARDAY is not supported/],
    ['FREQ=YEARLY;BYDAY=1MO,TU', /mixing BYDAY entries/],
    ['FREQ=YEARLY;BYDAY=1MO;BYMONTHDAY=1,2,3', /without BYMONTH is not supported/],
  ];
  for (const [input, message] of invalid) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      const result = checkRecurrence(input);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.message, message);
    });
  }

  test('every accepted rule is a fixed point (canonical form re-checks to itself)', () => {
    for (const [input] of valid) {
      const first = checkRecurrence(input);
      assert.ok(first.ok);
      assert.deepEqual(checkRecurrence(first.rule), first);
    }
  });
});

describe('time zones', () => {
  const cases: [string, boolean][] = [
    ['Europe/Berlin', true],
    ['America/New_York', true],
    ['UTC', true],
    ['Etc/UTC', true],
    ['Asia/Kolkata', true],
    ['europe/berlin', true],
    ['Mars/Olympus_Mons', false],
    ['+01:00', false],
    ['-05:00', false],
    ['Z', false],
    ['', false],
    ['Europe/Berlin ', false],
  ];
  for (const [zone, ok] of cases) {
    test(`isValidTimeZone(${JSON.stringify(zone)}) = ${ok}`, () => assert.equal(isValidTimeZone(zone), ok));
  }
  test('normalizeTimeZone fixes the case of IANA names', () => {
    assert.equal(normalizeTimeZone('europe/berlin'), 'Europe/Berlin');
    assert.equal(normalizeTimeZone('utc'), 'UTC');
    assert.equal(normalizeTimeZone('+01:00'), null);
  });
});

describe('bounded work: ≤ 50 ms to validate a rule or compute a next occurrence', () => {
  const days = (n: number) => Array.from({ length: n }, (_, i) => i + 1).join(',');
  const hours = Array.from({ length: 24 }, (_, i) => i).join(',');

  test('a pathological BYSETPOS rule (every hour of 15 year days, the 366th from the end) is refused without scanning 400 years', () => {
    const before = { ...engineWork };
    const result = checkRecurrence(`FREQ=YEARLY;BYSETPOS=-366;BYYEARDAY=${days(15)};BYHOUR=${hours}`);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.message, /never produce/);
    // decided from the rule's shape: 15 days × 24 hours = 360 candidates, position 366 cannot exist
    assert.equal(engineWork.calls, before.calls);
  });

  test('a BYSETPOS rule whose position exists but is not found within the probe budget is refused naming the budget', () => {
    // 360 candidates a year, BYMONTH=6 excludes them all: the probe may look at 4 years, not 401
    const result = checkRecurrence(`FREQ=YEARLY;BYMONTH=6;BYSETPOS=-300;BYYEARDAY=${days(15)};BYHOUR=${hours}`);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.message, /computation budget \(4 years of up to 360 candidates each\)/);
  });

  test('a rule expanding to more than 500 candidates per period is refused', () => {
    const result = checkRecurrence(`FREQ=YEARLY;BYDAY=MO,TU;BYHOUR=${hours}`);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.message, /up to 2544 times per year \(at most 500\)/);
    assert.deepEqual(checkRecurrence(`FREQ=MONTHLY;BYMONTHDAY=${days(20)};BYHOUR=${hours}`), {
      ok: true,
      rule: `FREQ=MONTHLY;BYMONTHDAY=${days(20)};BYHOUR=${hours}`,
    });
  });

  test('UNTIL outside the years 1900–2200 is refused', () => {
    for (const until of ['15000101', '18991231T235959Z', '22010101']) {
      const result = checkRecurrence(`FREQ=DAILY;UNTIL=${until}`);
      assert.equal(result.ok, false, until);
      if (!result.ok) assert.match(result.message, /years 1900–2200/);
    }
    assert.equal(checkRecurrence('FREQ=DAILY;UNTIL=22001231T235959Z').ok, true);
  });

  const overdue = (rule: string, start: string, zone = BERLIN) => {
    const before = { ...engineWork };
    const result = nextOccurrence({
      rule,
      basis: 'due_date',
      timezone: zone,
      seriesStart: at(start, zone),
      previousDue: at(start, zone),
      index: 0,
      completedAt: at('2026-12-04T14:10', zone),
      now: at('2026-12-04T14:10', zone),
    });
    return { result, occurrences: engineWork.occurrences - before.occurrences, calls: engineWork.calls - before.calls };
  };

  test('completing an HOURLY task due in 1500 counts at most 1,000 occurrences and extrapolates the rest', () => {
    const { result, occurrences, calls } = overdue('FREQ=HOURLY', '1500-01-01T00:00', 'UTC');
    assert.ok(result);
    assert.equal(local(result.due, 'UTC'), '2026-12-04T15:00+00:00');
    // 1500-01-01 → 2026-12-04T15:00 is 4,618,935 hours; in UTC the hours are evenly spaced, so the
    // extrapolation is exact
    assert.equal(result.index, 4_618_935);
    assert.ok(occurrences <= EXACT_COUNT + 64, `materialised ${occurrences} occurrences`);
    assert.ok(calls <= 20, `${calls} engine calls`);
  });

  test('HOURLY from 1900 in a DST zone: the index is an estimate within 0.01 %, the due date exact', () => {
    const { result, occurrences } = overdue('FREQ=HOURLY', '1900-01-01T00:00');
    assert.ok(result);
    assert.equal(local(result.due), '2026-12-04T15:00+01:00');
    assert.ok(Math.abs(result.index - 1_112_547) < 112, `index ${result.index}`);
    assert.ok(occurrences <= EXACT_COUNT + 64, `materialised ${occurrences} occurrences`);
  });

  test('with a COUNT smaller than the missed occurrences the series ends after counting at most COUNT of them', () => {
    const { result, occurrences } = overdue('FREQ=HOURLY;COUNT=500', '1900-01-01T00:00');
    assert.equal(result, null);
    assert.ok(occurrences <= 500 + 64, `materialised ${occurrences} occurrences`);
  });

  test('no occurrence after 2200: a rule whose next one would fall later has ended (not a search through 400 years of periods)', () => {
    // every 997 days that is a Feb 29: the next such day after 2026 is millennia away
    assert.equal(overdue('FREQ=DAILY;INTERVAL=997;BYMONTH=2;BYMONTHDAY=29', '1901-03-01T10:00').result, null);
    // a preset's next step past the range ends it too
    const yearly = nextOccurrence({
      rule: 'yearly',
      basis: 'due_date',
      timezone: 'UTC',
      seriesStart: at('2200-06-01T09:00', 'UTC'),
      previousDue: at('2200-06-01T09:00', 'UTC'),
      index: 0,
      completedAt: at('2200-06-01T10:00', 'UTC'),
      now: at('2200-06-01T10:00', 'UTC'),
    });
    assert.equal(yearly, null);
    // a rare rule whose next occurrence is inside the range is still found (Feb 29 on a Monday)
    assert.equal(local(overdue('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO', '1901-03-01T10:00').result!.due), '2044-02-29T10:00+01:00');
  });

  test('dense weekly rule from 1900: bounded, due date exact', () => {
    const { result, occurrences } = overdue(`FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=${hours}`, '1900-01-01T00:00');
    assert.ok(result);
    assert.equal(local(result.due), '2026-12-04T15:00+01:00');
    assert.ok(occurrences <= EXACT_COUNT + 64, `materialised ${occurrences} occurrences`);
  });
});
