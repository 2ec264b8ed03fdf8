/**
 * Repeat phrases of quick add ("every monday", "every last friday", "every 2 weeks") → a recurrence
 * the API accepts (a preset or an RFC 5545 RRULE), and the first date of such a series: a series
 * needs a start that is one of its occurrences, so "every monday" typed on a Friday starts on Monday.
 * Pure wall-clock arithmetic on Temporal.PlainDate: the caller turns the result into an instant
 * in the user's zone.
 */
import { Temporal } from 'temporal-polyfill';

export interface RepeatPhrase {
  /** `daily|weekly|monthly|yearly` or an RRULE such as `FREQ=MONTHLY;BYDAY=-1FR` */
  rule: string;
  /** what the phrase means, for a preview line */
  label: string;
  /** weekly on these days (RFC 5545 two-letter codes) */
  byDay?: string[];
  /** monthly on the nth (1–4, or -1 = last) weekday of the month */
  nthWeekday?: { n: number; day: string };
  /** monthly on this day of the month (-1 = the last day) */
  monthDay?: number;
}

const DAYS: Record<string, string> = { mon: 'MO', tue: 'TU', wed: 'WE', thu: 'TH', fri: 'FR', sat: 'SA', sun: 'SU' };
const DAY_NAMES: Record<string, string> = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};
/** Temporal's dayOfWeek (1 = Monday) → RFC 5545 code */
const ISO_DAY = ['', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const DAY_WORD = '(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?s?';
const UNIT: Record<string, 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY'> = { day: 'DAILY', week: 'WEEKLY', month: 'MONTHLY', year: 'YEARLY' };
const ORDINAL: Record<string, number> = { first: 1, '1st': 1, second: 2, '2nd': 2, third: 3, '3rd': 3, fourth: 4, '4th': 4, last: -1 };
const ORDINAL_LABEL: Record<number, string> = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', [-1]: 'last' };

const dayCode = (word: string): string => DAYS[word.toLowerCase().slice(0, 3)] as string;
const suffix = (n: number) => (n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th');

const PHRASES: [RegExp, (m: RegExpExecArray) => RepeatPhrase][] = [
  [
    /\bevery\s+week ?days?\b|\bon\s+weekdays\b/i,
    () => ({ rule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', label: 'every weekday', byDay: ['MO', 'TU', 'WE', 'TH', 'FR'] }),
  ],
  [/\bevery\s+weekend\b/i, () => ({ rule: 'FREQ=WEEKLY;BYDAY=SA,SU', label: 'every weekend', byDay: ['SA', 'SU'] })],
  [
    new RegExp(
      `\\bevery\\s+(first|1st|second|2nd|third|3rd|fourth|4th|last)\\s+(${DAY_WORD})(?:\\s+of\\s+(?:the|each|every)\\s+month)?\\b`,
      'i',
    ),
    (m) => {
      const n = ORDINAL[(m[1] ?? '').toLowerCase()] as number;
      const day = dayCode(m[2] ?? '');
      return { rule: `FREQ=MONTHLY;BYDAY=${n}${day}`, label: `every ${ORDINAL_LABEL[n]} ${DAY_NAMES[day]}`, nthWeekday: { n, day } };
    },
  ],
  [
    /\bevery\s+last\s+day(?:\s+of\s+(?:the|each|every)\s+month)?\b/i,
    () => ({ rule: 'FREQ=MONTHLY;BYMONTHDAY=-1', label: 'every last day of the month', monthDay: -1 }),
  ],
  [
    /\bevery\s+(?:the\s+)?([1-9]|[12]\d|3[01])(?:st|nd|rd|th)(?:\s+of\s+(?:the|each|every)\s+month)?\b/i,
    (m) => {
      const n = Number(m[1]);
      return { rule: `FREQ=MONTHLY;BYMONTHDAY=${n}`, label: `every ${n}${suffix(n)} of the month`, monthDay: n };
    },
  ],
  [
    new RegExp(`\\bevery\\s+(${DAY_WORD}(?:\\s*(?:,|and|&)\\s*${DAY_WORD})*)\\b`, 'i'),
    (m) => {
      const days = [...new Set((m[1] ?? '').toLowerCase().match(/mon|tue|wed|thu|fri|sat|sun/g) ?? [])].map((d) => DAYS[d] as string);
      return { rule: `FREQ=WEEKLY;BYDAY=${days.join(',')}`, label: `every ${days.map((d) => DAY_NAMES[d]).join(', ')}`, byDay: days };
    },
  ],
  [
    /\bevery\s+(\d{1,3})\s+(day|week|month|year)s?\b/i,
    (m) => {
      const n = Number(m[1]);
      const unit = (m[2] ?? 'day').toLowerCase();
      return n === 1
        ? { rule: (UNIT[unit] ?? 'DAILY').toLowerCase(), label: `every ${unit}` }
        : { rule: `FREQ=${UNIT[unit]};INTERVAL=${n}`, label: `every ${n} ${unit}s` };
    },
  ],
  [
    /\bevery\s+other\s+(day|week|month|year)\b/i,
    (m) => ({ rule: `FREQ=${UNIT[(m[1] ?? 'day').toLowerCase()]};INTERVAL=2`, label: `every other ${(m[1] ?? '').toLowerCase()}` }),
  ],
  [/\b(?:every\s+day|daily)\b/i, () => ({ rule: 'daily', label: 'every day' })],
  [/\b(?:every\s+week|weekly)\b/i, () => ({ rule: 'weekly', label: 'every week' })],
  [/\b(?:every\s+month|monthly)\b/i, () => ({ rule: 'monthly', label: 'every month' })],
  [/\b(?:every\s+year|yearly|annually)\b/i, () => ({ rule: 'yearly', label: 'every year' })],
];

/** The first repeat phrase in `text`, and the text without it. */
export function matchRepeat(text: string): { repeat: RepeatPhrase; rest: string } | null {
  for (const [re, make] of PHRASES) {
    const m = re.exec(text);
    if (m) return { repeat: make(m), rest: text.slice(0, m.index) + ' ' + text.slice(m.index + m[0].length) };
  }
  return null;
}

function isOccurrenceDay(repeat: RepeatPhrase, date: Temporal.PlainDate): boolean {
  if (repeat.byDay) return repeat.byDay.includes(ISO_DAY[date.dayOfWeek] as string);
  if (repeat.nthWeekday) {
    const { n, day } = repeat.nthWeekday;
    if (ISO_DAY[date.dayOfWeek] !== day) return false;
    return n > 0 ? Math.ceil(date.day / 7) === n : date.day + 7 > date.daysInMonth;
  }
  if (repeat.monthDay !== undefined) return repeat.monthDay === -1 ? date.day === date.daysInMonth : date.day === repeat.monthDay;
  return true;
}

/**
 * The first occurrence on or after `start` (a wall-clock date-time) that is later than `now`;
 * a rule without a day constraint starts at `start`, or the next day when `start` has passed.
 * Bounded: BYMONTHDAY=31 recurs within 62 days, any other phrase here within 35.
 */
export function firstOccurrence(repeat: RepeatPhrase, start: Temporal.PlainDateTime, now: Temporal.PlainDateTime): Temporal.PlainDateTime {
  let at = start;
  for (let i = 0; i < 400; i++) {
    if (isOccurrenceDay(repeat, at.toPlainDate()) && Temporal.PlainDateTime.compare(at, now) > 0) return at;
    at = at.add({ days: 1 });
  }
  return start;
}
