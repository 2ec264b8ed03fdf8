/**
 * Quick add: "Pay rent tomorrow 9am every month #home !high" → title, due date, recurrence, tags,
 * priority. One module for the web app (loaded on demand) and the server (MCP `add_tasks`), so a
 * phrase means the same thing wherever it is typed: it is read relative to a given "now" in a given
 * IANA zone, never the machine's.
 *
 * Dates come from chrono-node (English); its wall-clock result is placed in the zone with Temporal
 * (DST-correct), and a few readings are made the way a to-do app means them (see `adjust`).
 */
import * as chrono from 'chrono-node/en';
import { Temporal } from 'temporal-polyfill';
import { firstOccurrence, matchRepeat, type RepeatPhrase } from './recurrence-phrases.js';

export type QuickPriority = 'urgent' | 'high' | 'medium' | 'low';

export interface QuickParse {
  /** what is left once dates, repeats, tags and priority are taken out; may be empty */
  title: string;
  due: Date | null;
  recurrence: string | null;
  /** what the recurrence phrase means, for the preview line */
  recurrenceLabel: string | null;
  tags: string[];
  priority: QuickPriority | null;
  /** "@garden": the project the task goes to, as typed (the caller matches it to a project's name) */
  project: string | null;
}

export interface QuickAddOptions {
  /** IANA zone the phrase is read in (the user's preference) */
  timeZone: string;
  now?: Date;
  /** the first day of a week, for "next week" */
  weekStart?: 'monday' | 'sunday';
}

const PRIORITY_WORDS: Record<string, QuickPriority> = {
  urgent: 'urgent',
  high: 'high',
  medium: 'medium',
  med: 'medium',
  low: 'low',
  p1: 'urgent',
  p2: 'high',
  p3: 'medium',
  p4: 'low',
};

/** The time a day part means when no clock time is given (chrono's own are 06:00 … 22:00). */
const DAY_PART_HOUR: Record<string, number> = {
  'casualReference/morning': 9,
  'casualReference/afternoon': 15,
  'casualReference/evening': 19,
  'casualReference/tonight': 20,
};
/** A date without a time is due at 09:00, like a morning to-do. */
const DEFAULT_HOUR = 9;

/** Anything a date could start with; text without it skips the date parser. */
const DATE_HINT =
  /\d|today|tonight|tomorrow|tmrw?|yesterday|next|this|weekend|morning|afternoon|evening|mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|noon|midnight|in\s/i;
/** A word that only introduced the date ("on Dec 20", "at 5pm", "by friday") goes with it. */
const DATE_LEAD = /\s(?:on|at|by|due(?:\s+(?:on|by|at))?)\s*$/i;

export function parseQuickAdd(input: string, options: QuickAddOptions): QuickParse {
  const now = options.now ?? new Date();
  const zonedNow = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(options.timeZone);
  let text = ` ${input} `;

  const tags: string[] = [];
  text = text.replace(/(\s)#([\p{L}\p{N}_-]{1,50})(?=\s)/gu, (_, sp: string, tag: string) => {
    if (!tags.includes(tag.toLowerCase())) tags.push(tag.toLowerCase());
    return sp;
  });
  let priority: QuickPriority | null = null;
  text = text.replace(/(\s)(?:!(urgent|high|medium|med|low)|(p[1-4]))(?=\s)/gi, (_, sp: string, word?: string, p?: string) => {
    priority = PRIORITY_WORDS[(word ?? p ?? '').toLowerCase()] ?? null;
    return sp;
  });
  // "@project" (not "#": that is a tag); only after a space, so "bob@example.com" stays in the title
  let project: string | null = null;
  text = text.replace(/(\s)@([\p{L}\p{N}_.-]{1,100})(?=\s)/gu, (_, sp: string, name: string) => {
    project = name.replace(/\.+$/, '');
    return sp;
  });
  let repeat: RepeatPhrase | null = null;
  const r = matchRepeat(text);
  if (r) {
    repeat = r.repeat;
    text = r.rest;
  }

  let due: Temporal.ZonedDateTime | null = null;
  const found = DATE_HINT.test(text) ? readDate(text, zonedNow, options.weekStart ?? 'monday') : null;
  if (found) {
    due = found.due;
    const before = text.slice(0, found.index).replace(DATE_LEAD, '');
    text = before + ' ' + text.slice(found.index + found.length);
  }
  if (repeat) {
    const start = due?.toPlainDateTime() ?? zonedNow.toPlainDate().toPlainDateTime({ hour: DEFAULT_HOUR });
    due = firstOccurrence(repeat, start, zonedNow.toPlainDateTime()).toZonedDateTime(options.timeZone, { disambiguation: 'compatible' });
  }

  return {
    title: text.replace(/\s+/g, ' ').trim(),
    due: due ? new Date(due.epochMilliseconds) : null,
    recurrence: repeat?.rule ?? null,
    recurrenceLabel: repeat?.label ?? null,
    tags,
    priority,
    project,
  };
}

interface FoundDate {
  due: Temporal.ZonedDateTime;
  index: number;
  length: number;
}

function readDate(text: string, now: Temporal.ZonedDateTime, weekStart: 'monday' | 'sunday'): FoundDate | null {
  // chrono reads wall-clock values at a fixed offset: the zone's offset now; Temporal then places
  // the wall-clock result in the zone, so a date across a DST change keeps its clock time
  const offsetMinutes = Math.round(now.offsetNanoseconds / 60e9);
  const [result] = chrono.parse(text, { instant: new Date(now.epochMilliseconds), timezone: offsetMinutes }, { forwardDate: true });
  if (!result) return null;
  const start = result.start;
  // an instant stated outright ("in 2 hours", "5pm EST") needs no wall-clock reading
  if (start.isCertain('timezoneOffset')) {
    const due = Temporal.Instant.fromEpochMilliseconds(start.date().getTime()).toZonedDateTimeISO(now.timeZoneId);
    return { due, index: result.index, length: result.text.length };
  }
  const wall = adjust(result, now.toPlainDateTime(), weekStart);
  return { due: wall.toZonedDateTime(now.timeZoneId, { disambiguation: 'compatible' }), index: result.index, length: result.text.length };
}

/**
 * chrono's reading, made the way a to-do list means it:
 * - "at 3" (1–7 without am/pm or a leading zero) is in the afternoon;
 * - a day part without a clock time takes DAY_PART_HOUR, a date alone 09:00;
 * - a time alone is the next such time (today, else tomorrow);
 * - a weekday alone is the next such day after today ("friday" typed on a Friday is next week's);
 * - "next week" is the first day of next week, "next month" the 1st of next month, "next year" 1 January.
 */
function adjust(result: chrono.ParsedResult, now: Temporal.PlainDateTime, weekStart: 'monday' | 'sunday'): Temporal.PlainDateTime {
  const start = result.start;
  const tags = start.tags();
  let date = new Temporal.PlainDate(start.get('year') ?? now.year, start.get('month') ?? now.month, start.get('day') ?? now.day);
  let hour = start.get('hour') ?? DEFAULT_HOUR;
  const minute = start.get('minute') ?? 0;
  const dayPart = [...tags].map((t) => DAY_PART_HOUR[t]).find((h) => h !== undefined);

  if (start.isCertain('hour')) {
    if (!start.isCertain('meridiem') && hour >= 1 && hour <= 7 && !/(?<![\d:])0\d(?::\d\d)?(?!\d)/.test(result.text)) hour += 12;
  } else {
    hour = dayPart ?? DEFAULT_HOUR;
  }
  const time = new Temporal.PlainTime(hour, minute);

  const dateGiven = start.isCertain('day') || start.isCertain('month') || start.isCertain('year') || tags.has('casualReference/tonight');
  const phrase = result.text.toLowerCase();
  const relative = /^next\s+(week|month|year)\b/.exec(phrase);
  if (relative) {
    const today = now.toPlainDate();
    if (relative[1] === 'week') {
      const first = weekStart === 'monday' ? 1 : 7;
      const back = (today.dayOfWeek - first + 7) % 7;
      date = today.subtract({ days: back }).add({ weeks: 1 });
    } else if (relative[1] === 'month') {
      date = today.with({ day: 1 }).add({ months: 1 });
    } else {
      date = new Temporal.PlainDate(today.year + 1, 1, 1);
    }
  } else if (!dateGiven && start.isCertain('weekday')) {
    if (Temporal.PlainDate.compare(date, now.toPlainDate()) <= 0) date = date.add({ weeks: 1 });
  } else if (!dateGiven) {
    // a time alone: today if still ahead, else tomorrow
    date = now.toPlainDate();
    if (Temporal.PlainTime.compare(time, now.toPlainTime()) <= 0) date = date.add({ days: 1 });
  }
  return date.toPlainDateTime(time);
}
