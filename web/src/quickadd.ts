/**
 * Quick add: "Pay rent tomorrow 9am every month #home !high" → title, due date, recurrence, tags,
 * priority. Dates come from chrono-node (English locale only, loaded on first use so that it is
 * not part of the first screen's JavaScript); recurrence phrases are matched here.
 */
import type { Priority } from './api';

export interface QuickParse {
  title: string;
  due: Date | null;
  recurrence: string | null;
  /** what the recurrence phrase means, for the preview line */
  recurrenceLabel: string | null;
  tags: string[];
  priority: Priority | null;
}

type Chrono = typeof import('chrono-node/en');
let chronoPromise: Promise<Chrono> | null = null;
/** Start loading the date parser (call on focus, so it is ready when the user presses Enter). */
export const loadChrono = (): Promise<Chrono> => (chronoPromise ??= import('chrono-node/en'));

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
const JS_DAY = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const DAY_WORD = '(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?s?';
const UNIT: Record<string, 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY'> = { day: 'DAILY', week: 'WEEKLY', month: 'MONTHLY', year: 'YEARLY' };

interface Rec {
  rule: string;
  label: string;
  byDay?: string[];
}

function matchRecurrence(text: string): { rec: Rec; rest: string } | null {
  const tries: [RegExp, (m: RegExpExecArray) => Rec][] = [
    [
      /\bevery\s+week ?days?\b|\bon\s+weekdays\b/i,
      () => ({ rule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', label: 'every weekday', byDay: ['MO', 'TU', 'WE', 'TH', 'FR'] }),
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
  for (const [re, make] of tries) {
    const m = re.exec(text);
    if (m) {
      const rec = make(m);
      return { rec, rest: text.slice(0, m.index) + ' ' + text.slice(m.index + m[0].length) };
    }
  }
  return null;
}

const PRIORITY_WORDS: Record<string, Priority> = {
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

export async function parseQuickAdd(input: string, now = new Date()): Promise<QuickParse> {
  let text = ` ${input} `;
  const tags: string[] = [];
  text = text.replace(/(\s)#([\p{L}\p{N}_-]{1,50})(?=\s)/gu, (_, sp: string, tag: string) => {
    if (!tags.includes(tag.toLowerCase())) tags.push(tag.toLowerCase());
    return sp;
  });
  let priority: Priority | null = null;
  text = text.replace(/(\s)(?:!(urgent|high|medium|med|low)|(p[1-4]))(?=\s)/gi, (_, sp: string, word?: string, p?: string) => {
    priority = PRIORITY_WORDS[(word ?? p ?? '').toLowerCase()] ?? null;
    return sp;
  });
  let rec: Rec | null = null;
  const r = matchRecurrence(text);
  if (r) {
    rec = r.rec;
    text = r.rest;
  }

  let due: Date | null = null;
  if (
    /\d|today|tonight|tomorrow|yesterday|next|this|mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|noon|midnight|in\s/i.test(
      text,
    )
  ) {
    const chrono = await loadChrono();
    const [found] = chrono.parse(text, now, { forwardDate: true });
    if (found) {
      due = found.start.date();
      if (!found.start.isCertain('hour')) due.setHours(9, 0, 0, 0);
      text = text.slice(0, found.index) + ' ' + text.slice(found.index + found.text.length);
    }
  }

  if (rec) due = firstOccurrence(rec, due, now);
  const title = text.replace(/\s+/g, ' ').trim() || input.trim();
  return { title, due, recurrence: rec?.rule ?? null, recurrenceLabel: rec?.label ?? null, tags, priority };
}

/** A series needs a start: the first matching weekday on/after the given date (or today), at 09:00 unless a time was given. */
function firstOccurrence(rec: Rec, due: Date | null, now: Date): Date {
  const start = due ? new Date(due) : new Date(now);
  if (!due) start.setHours(9, 0, 0, 0);
  if (rec.byDay?.length) {
    for (let i = 0; i < 8; i++) {
      const day = JS_DAY[start.getDay()] as string;
      if (rec.byDay.includes(day) && start.getTime() > now.getTime()) break;
      start.setDate(start.getDate() + 1);
    }
  } else if (start.getTime() <= now.getTime()) {
    start.setDate(start.getDate() + 1);
  }
  return start;
}
