/**
 * The editor's recurrence form ↔ the `recurrence` string the API stores (a preset or an RRULE).
 * Rules the form cannot represent stay editable as raw RRULE text.
 */
import { WEEKDAYS, type Weekday } from '../repeat-text';

export type Mode = 'none' | 'daily' | 'weekly' | 'monthly' | 'yearly' | 'weekdays' | 'custom' | 'rrule';
export type Freq = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

export interface RecurrenceForm {
  mode: Mode;
  freq: Freq;
  interval: number;
  byDay: Weekday[];
  monthly: 'day' | 'weekday';
  monthDay: number;
  setPos: number;
  setPosDay: Weekday;
  end: 'never' | 'count' | 'until';
  count: number;
  /** YYYY-MM-DD */
  until: string;
  rrule: string;
}

export const emptyForm = (): RecurrenceForm => ({
  mode: 'none',
  freq: 'WEEKLY',
  interval: 1,
  byDay: [],
  monthly: 'day',
  monthDay: 1,
  setPos: 1,
  setPosDay: 'MO',
  end: 'never',
  count: 5,
  until: '',
  rrule: '',
});

const WEEKDAY_SET = 'MO,TU,WE,TH,FR';

export function toRule(f: RecurrenceForm): string | null {
  switch (f.mode) {
    case 'none':
      return null;
    case 'daily':
    case 'weekly':
    case 'monthly':
    case 'yearly':
      return f.mode;
    case 'weekdays':
      return `FREQ=WEEKLY;BYDAY=${WEEKDAY_SET}`;
    case 'rrule':
      return f.rrule.trim() || null;
    case 'custom': {
      const parts = [`FREQ=${f.freq}`];
      if (f.interval !== 1) parts.push(`INTERVAL=${f.interval}`);
      if (f.freq === 'WEEKLY' && f.byDay.length) parts.push(`BYDAY=${WEEKDAYS.filter((d) => f.byDay.includes(d)).join(',')}`);
      if (f.freq === 'MONTHLY') {
        if (f.monthly === 'day') parts.push(`BYMONTHDAY=${f.monthDay}`);
        else parts.push(`BYDAY=${f.setPos}${f.setPosDay}`);
      }
      if (f.end === 'count') parts.push(`COUNT=${f.count}`);
      if (f.end === 'until' && f.until) parts.push(`UNTIL=${f.until.replaceAll('-', '')}`);
      return parts.join(';');
    }
  }
}

/** Parse a stored rule back into the form (falls back to raw RRULE text). */
export function fromRule(rule: string | null): RecurrenceForm {
  const f = emptyForm();
  if (!rule) return f;
  if (['daily', 'weekly', 'monthly', 'yearly'].includes(rule)) return { ...f, mode: rule as Mode };
  if (rule === `FREQ=WEEKLY;BYDAY=${WEEKDAY_SET}`) return { ...f, mode: 'weekdays' };
  const raw = { ...f, mode: 'rrule' as const, rrule: rule };
  const parts = new Map(rule.split(';').map((p) => p.split('=') as [string, string]));
  const freq = parts.get('FREQ');
  if (freq !== 'DAILY' && freq !== 'WEEKLY' && freq !== 'MONTHLY' && freq !== 'YEARLY') return raw;
  const known = new Set(['FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'COUNT', 'UNTIL']);
  if ([...parts.keys()].some((k) => !known.has(k))) return raw;
  const out: RecurrenceForm = { ...f, mode: 'custom', freq, interval: Number(parts.get('INTERVAL') ?? 1) };
  const byDay = parts.get('BYDAY');
  const byMonthDay = parts.get('BYMONTHDAY');
  if (freq === 'WEEKLY' && byDay) {
    const days = byDay.split(',');
    if (!days.every((d) => (WEEKDAYS as readonly string[]).includes(d))) return raw;
    out.byDay = days as Weekday[];
  } else if (freq === 'MONTHLY' && byMonthDay && !byDay && /^-?\d+$/.test(byMonthDay)) {
    out.monthly = 'day';
    out.monthDay = Number(byMonthDay);
  } else if (freq === 'MONTHLY' && byDay && !byMonthDay) {
    const m = /^(-?\d)(MO|TU|WE|TH|FR|SA|SU)$/.exec(byDay);
    if (!m) return raw;
    out.monthly = 'weekday';
    out.setPos = Number(m[1]);
    out.setPosDay = m[2] as Weekday;
  } else if (byDay || byMonthDay) {
    return raw;
  }
  const count = parts.get('COUNT');
  const until = parts.get('UNTIL');
  if (count) {
    out.end = 'count';
    out.count = Number(count);
  } else if (until) {
    if (!/^\d{8}$/.test(until)) return raw;
    out.end = 'until';
    out.until = `${until.slice(0, 4)}-${until.slice(4, 6)}-${until.slice(6, 8)}`;
  }
  return out;
}
