/**
 * Parsing, validation and canonical form of a task's `recurrence` value: a preset
 * (daily|weekly|monthly|yearly) or an RFC 5545 RRULE value.
 *
 * We validate ourselves (instead of only asking rrule-temporal) so that users get messages that
 * name the offending part, and so that the stored string has one canonical spelling.
 */

import { Temporal } from './timezone.js';

export const PRESETS = ['daily', 'weekly', 'monthly', 'yearly'] as const;
export type Preset = (typeof PRESETS)[number];

/** MINUTELY and SECONDLY exist in RFC 5545 but are rejected: too frequent for a task. */
export const FREQS = ['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY'] as const;
export type Freq = (typeof FREQS)[number];

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One BYDAY entry: a weekday, optionally with an ordinal (`1MO`, `-1FR`). */
export interface ByDay {
  ordinal?: number;
  weekday: Weekday;
}

export interface RRuleParts {
  freq: Freq;
  interval: number;
  count?: number;
  /** Kept in its RFC text form (`YYYYMMDD` or `YYYYMMDDTHHMMSSZ`); validated here, applied by rrule-temporal. */
  until?: string;
  byMonth?: number[];
  byWeekNo?: number[];
  byYearDay?: number[];
  byMonthDay?: number[];
  byDay?: ByDay[];
  byHour?: number[];
  byMinute?: number[];
  bySecond?: number[];
  bySetPos?: number[];
  wkst?: Weekday;
}

export type ParsedRule = { kind: 'preset'; preset: Preset } | { kind: 'rrule'; parts: RRuleParts };

/** Thrown by parseRule; the message is meant for end users. */
export class RecurrenceRuleError extends Error {
  override name = 'RecurrenceRuleError';
}

const fail = (message: string): never => {
  throw new RecurrenceRuleError(message);
};

export const MAX_INTERVAL = 1000;

/** Parses a preset or RRULE (optionally prefixed `RRULE:`), case-insensitively. Throws RecurrenceRuleError. */
export function parseRule(input: string): ParsedRule {
  if (typeof input !== 'string') fail('Recurrence must be a string');
  const text = input.trim();
  if (text === '') fail('Recurrence is empty');
  const preset = text.toLowerCase();
  if ((PRESETS as readonly string[]).includes(preset)) return { kind: 'preset', preset: preset as Preset };
  return { kind: 'rrule', parts: parseRRule(text.toUpperCase()) };
}

function parseRRule(upper: string): RRuleParts {
  if (/[\r\n]/.test(upper)) fail('Recurrence must be a single RRULE line (no DTSTART, RDATE or EXDATE lines)');
  // The task's due_date and timezone are the series' DTSTART and TZID; a second source would conflict.
  if (/DTSTART|TZID/.test(upper)) {
    fail("DTSTART and TZID are not allowed in the rule: the task's due_date and timezone define them");
  }
  const body = upper.replace(/^RRULE:/, '').replace(/;$/, '');
  const raw = new Map<string, string>();
  for (const part of body.split(';')) {
    const m = /^([A-Z-]+)=([^=]+)$/.exec(part.trim());
    if (!m) fail(`Malformed rule part '${part}': expected NAME=VALUE (e.g. FREQ=WEEKLY;BYDAY=MO)`);
    const [, name, value] = m as unknown as [string, string, string];
    if (raw.has(name)) fail(`${name} appears more than once`);
    raw.set(name, value);
  }
  for (const name of raw.keys()) {
    if (name === 'RSCALE' || name === 'SKIP') fail(`${name} (non-Gregorian calendars) is not supported`);
    if (!PART_NAMES.has(name)) fail(`Unknown rule part ${name}`);
  }
  const parts = buildParts(raw);
  checkCombinations(parts);
  return parts;
}

const PART_NAMES = new Set([
  'FREQ',
  'INTERVAL',
  'COUNT',
  'UNTIL',
  'BYMONTH',
  'BYWEEKNO',
  'BYYEARDAY',
  'BYMONTHDAY',
  'BYDAY',
  'BYHOUR',
  'BYMINUTE',
  'BYSECOND',
  'BYSETPOS',
  'WKST',
]);

function buildParts(raw: Map<string, string>): RRuleParts {
  const freq = raw.get('FREQ');
  if (freq === undefined) fail('FREQ is required (e.g. FREQ=DAILY)');
  if (freq === 'MINUTELY' || freq === 'SECONDLY') fail(`FREQ=${freq} is too frequent for a task (HOURLY is the finest)`);
  if (!(FREQS as readonly string[]).includes(freq as string)) {
    fail(`Unknown FREQ '${freq}': use YEARLY, MONTHLY, WEEKLY, DAILY or HOURLY`);
  }
  const parts: RRuleParts = { freq: freq as Freq, interval: 1 };
  const interval = raw.get('INTERVAL');
  if (interval !== undefined) parts.interval = integer('INTERVAL', interval, 1, MAX_INTERVAL);
  const count = raw.get('COUNT');
  if (count !== undefined) parts.count = integer('COUNT', count, 1, Number.MAX_SAFE_INTEGER);
  const until = raw.get('UNTIL');
  if (until !== undefined) parts.until = parseUntil(until);
  if (parts.count !== undefined && parts.until !== undefined) fail('COUNT and UNTIL cannot be used together');
  assignList(parts, 'byMonth', raw.get('BYMONTH'), (v) => integer('BYMONTH', v, 1, 12));
  assignList(parts, 'byWeekNo', raw.get('BYWEEKNO'), (v) => signedInteger('BYWEEKNO', v, 53));
  assignList(parts, 'byYearDay', raw.get('BYYEARDAY'), (v) => signedInteger('BYYEARDAY', v, 366));
  assignList(parts, 'byMonthDay', raw.get('BYMONTHDAY'), (v) => signedInteger('BYMONTHDAY', v, 31));
  assignList(parts, 'byHour', raw.get('BYHOUR'), (v) => integer('BYHOUR', v, 0, 23));
  assignList(parts, 'byMinute', raw.get('BYMINUTE'), (v) => integer('BYMINUTE', v, 0, 59));
  assignList(parts, 'bySecond', raw.get('BYSECOND'), (v) => integer('BYSECOND', v, 0, 59));
  assignList(parts, 'bySetPos', raw.get('BYSETPOS'), (v) => signedInteger('BYSETPOS', v, 366));
  const byDay = raw.get('BYDAY');
  if (byDay !== undefined) parts.byDay = uniqueByDay(listOf(byDay).map(parseByDay));
  const wkst = raw.get('WKST');
  if (wkst !== undefined) parts.wkst = weekday('WKST', wkst);
  return parts;
}

type NumberListKey = 'byMonth' | 'byWeekNo' | 'byYearDay' | 'byMonthDay' | 'byHour' | 'byMinute' | 'bySecond' | 'bySetPos';

/** Lists are de-duplicated and sorted so that equivalent rules get one canonical spelling. */
function assignList(parts: RRuleParts, key: NumberListKey, value: string | undefined, parse: (v: string) => number) {
  if (value === undefined) return;
  parts[key] = [...new Set(listOf(value).map(parse))].sort((a, b) => a - b);
}

function listOf(value: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) fail(`Empty item in list '${value}'`);
  return items;
}

function integer(name: string, value: string, min: number, max: number): number {
  if (!/^\+?\d{1,16}$/.test(value)) fail(`${name} must be a whole number, got '${value}'`);
  const n = Number(value);
  if (n < min || n > max) fail(`${name} must be between ${min} and ${max}, got ${value}`);
  return n;
}

/** RFC 5545 "±1..max" values: zero is never allowed, negatives count from the end. */
function signedInteger(name: string, value: string, max: number): number {
  if (!/^[+-]?\d{1,4}$/.test(value)) fail(`${name} must be a whole number, got '${value}'`);
  const n = Number(value);
  if (n === 0 || Math.abs(n) > max) fail(`${name} must be between 1 and ${max} or -${max} and -1, got ${value}`);
  return n;
}

function weekday(name: string, value: string): Weekday {
  if (!(WEEKDAYS as readonly string[]).includes(value)) {
    fail(`${name} value '${value}' is not a weekday (use MO, TU, WE, TH, FR, SA, SU)`);
  }
  return value as Weekday;
}

function parseByDay(value: string): ByDay {
  const m = /^([+-]?\d{1,2})?([A-Z]{2})$/.exec(value);
  if (!m || !(WEEKDAYS as readonly string[]).includes(m[2] as string)) {
    fail(`BYDAY value '${value}' is not valid: use MO, TU, WE, TH, FR, SA, SU, optionally with an ordinal such as 1MO or -1FR`);
  }
  const [, ord, day] = m as unknown as [string, string | undefined, Weekday];
  if (ord === undefined) return { weekday: day };
  const ordinal = Number(ord);
  if (ordinal === 0 || Math.abs(ordinal) > 53) fail(`BYDAY ordinal in '${value}' must be between 1 and 53 or -53 and -1`);
  return { ordinal, weekday: day };
}

function uniqueByDay(days: ByDay[]): ByDay[] {
  const key = (d: ByDay) => `${d.ordinal ?? ''}${d.weekday}`;
  const seen = new Map(days.map((d) => [key(d), d]));
  const rank = (d: ByDay) => WEEKDAYS.indexOf(d.weekday) * 1000 + (d.ordinal ?? 0);
  return [...seen.values()].sort((a, b) => rank(a) - rank(b));
}

/**
 * UNTIL is a UTC date-time (`...Z`) or a plain date (then inclusive through that day in the task's
 * zone). A floating local date-time is rejected: RFC 5545 requires UTC when DTSTART has a zone.
 */
function parseUntil(value: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value);
  if (!m) fail(`UNTIL must be a date (YYYYMMDD) or a UTC date-time (YYYYMMDDTHHMMSSZ), got '${value}'`);
  const [, year, month, day, hour, minute, second, utc] = m as RegExpExecArray;
  if (hour !== undefined && utc === undefined) fail(`UNTIL date-time must be in UTC (end with Z), e.g. ${value}Z`);
  const num = (x: string | undefined) => Number(x ?? 0);
  // dates are in the years 1900–2200 (src/tasks/date-range.ts)
  if (num(year) < 1900 || num(year) > 2200) fail(`UNTIL must be in the years 1900–2200, got '${value}'`);
  try {
    const fields = { year: num(year), month: num(month), day: num(day), hour: num(hour), minute: num(minute), second: num(second) };
    Temporal.PlainDateTime.from(fields, { overflow: 'reject' });
  } catch {
    fail(`UNTIL '${value}' is not a real date/time`);
  }
  return value;
}

/** RFC 5545 §3.3.10 restrictions on which BYxxx parts go with which FREQ, plus our own limits. */
function checkCombinations(p: RRuleParts): void {
  const ordinalDays = (p.byDay ?? []).filter((d) => d.ordinal !== undefined);
  if (ordinalDays.length > 0 && p.freq !== 'MONTHLY' && p.freq !== 'YEARLY') {
    fail(`BYDAY with an ordinal (like 1MO) needs FREQ=MONTHLY or FREQ=YEARLY, not FREQ=${p.freq}`);
  }
  if (ordinalDays.length > 0 && p.freq === 'YEARLY' && p.byWeekNo) fail('BYDAY with an ordinal cannot be combined with BYWEEKNO');
  if (p.freq === 'MONTHLY') {
    for (const d of ordinalDays) {
      if (Math.abs(d.ordinal as number) > 5) fail(`BYDAY ${d.ordinal}${d.weekday}: a month has at most 5 of each weekday`);
    }
  }
  if (p.byMonthDay && p.freq === 'WEEKLY') fail('BYMONTHDAY cannot be used with FREQ=WEEKLY');
  if (p.byYearDay && (p.freq === 'DAILY' || p.freq === 'WEEKLY' || p.freq === 'MONTHLY')) {
    fail(`BYYEARDAY cannot be used with FREQ=${p.freq}`);
  }
  if (p.byWeekNo && p.freq !== 'YEARLY') fail('BYWEEKNO can only be used with FREQ=YEARLY');
  if (p.bySetPos && !hasOtherByPart(p)) fail('BYSETPOS needs another BYxxx part to select from');
  checkEngineSupport(p, ordinalDays.length);
  // Several minutes or seconds per hour would schedule the task more often than hourly.
  if ((p.byMinute?.length ?? 0) > 1) fail('BYMINUTE takes a single value: several minutes per hour are too frequent for a task');
  if ((p.bySecond?.length ?? 0) > 1) fail('BYSECOND takes a single value: several seconds per minute are too frequent for a task');
}

/**
 * Combinations that rrule-temporal 2.2.8 evaluates wrongly: checked against a brute-force
 * day-by-day reference, it silently ignores one of the parts (e.g. BYYEARDAY=59;BYMONTHDAY=1
 * yields every Feb 28). Rare in task rules; refusing them beats scheduling on wrong days.
 */
function checkEngineSupport(p: RRuleParts, ordinals: number): void {
  const unsupported = (what: string) => fail(`${what} is not supported`);
  if (p.byYearDay && p.byMonthDay) unsupported('BYYEARDAY combined with BYMONTHDAY');
  if (p.byYearDay && p.byDay) unsupported('BYYEARDAY combined with BYDAY');
  if (p.byWeekNo && p.byMonthDay) unsupported('BYWEEKNO combined with BYMONTHDAY');
  if (p.byWeekNo && p.byYearDay) unsupported('BYWEEKNO combined with BYYEARDAY');
  if (p.freq === 'YEARLY' && ordinals > 0 && ordinals < (p.byDay?.length ?? 0)) {
    unsupported('With FREQ=YEARLY, mixing BYDAY entries with and without an ordinal (like 1MO,TU)');
  }
  if (p.freq === 'YEARLY' && ordinals > 0 && p.byMonthDay && !p.byMonth) {
    unsupported('With FREQ=YEARLY, an ordinal BYDAY together with BYMONTHDAY but without BYMONTH');
  }
}

function hasOtherByPart(p: RRuleParts): boolean {
  return [p.byMonth, p.byWeekNo, p.byYearDay, p.byMonthDay, p.byDay, p.byHour, p.byMinute, p.bySecond].some((x) => x !== undefined);
}

/**
 * Canonical RRULE text: upper case, no `RRULE:` prefix, parts in a fixed order, lists sorted and
 * de-duplicated, defaults (INTERVAL=1, WKST=MO) omitted.
 */
export function formatRRule(p: RRuleParts): string {
  const out = [`FREQ=${p.freq}`];
  if (p.interval !== 1) out.push(`INTERVAL=${p.interval}`);
  const list = (name: string, xs: readonly (number | string)[] | undefined) => {
    if (xs && xs.length > 0) out.push(`${name}=${xs.join(',')}`);
  };
  list('BYMONTH', p.byMonth);
  list('BYWEEKNO', p.byWeekNo);
  list('BYYEARDAY', p.byYearDay);
  list('BYMONTHDAY', p.byMonthDay);
  list(
    'BYDAY',
    p.byDay?.map((d) => `${d.ordinal ?? ''}${d.weekday}`),
  );
  list('BYHOUR', p.byHour);
  list('BYMINUTE', p.byMinute);
  list('BYSECOND', p.bySecond);
  list('BYSETPOS', p.bySetPos);
  if (p.wkst && p.wkst !== 'MO') out.push(`WKST=${p.wkst}`);
  if (p.count !== undefined) out.push(`COUNT=${p.count}`);
  if (p.until !== undefined) out.push(`UNTIL=${p.until}`);
  return out.join(';');
}
