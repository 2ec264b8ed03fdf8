/** Date helpers for display and filters, in the browser's zone (highlighting) or a task's zone. */
import { MAX_YEAR, MIN_YEAR } from '../../src/tasks/date-range';

const sameDay = (a: Date, b: Date) => a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

/** The years the API accepts; date inputs are bounded by them. */
export const DATE_MIN = `${MIN_YEAR}-01-01`;
export const DATE_MAX = `${MAX_YEAR}-12-31`;
export const DATE_RANGE_TEXT = `in the years ${MIN_YEAR}–${MAX_YEAR}`;

/** Whether a "YYYY-MM-DD…" value (date, datetime-local) lies in the years the API accepts. */
export const inDateRange = (value: string): boolean => value >= DATE_MIN && value.slice(0, 10) <= DATE_MAX && /^\d{4}-/.test(value);

/** Local midnight of a "YYYY-MM-DD" day. setFullYear: `new Date(1, …)` would be 1901, not year 1. */
function localDay(date: string, h: number, min: number, s: number, ms: number): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const out = new Date(2000, 0, 1, h, min, s, ms);
  out.setFullYear(y, m - 1, d);
  return out;
}

export const startOfLocalDay = (date: string): Date => localDay(date, 0, 0, 0, 0);
export const endOfLocalDay = (date: string): Date => localDay(date, 23, 59, 59, 999);

export type DueState = 'overdue' | 'today' | 'soon' | 'later' | 'none';

export function dueState(due: string | null, completed: boolean, now = new Date()): DueState {
  if (!due) return 'none';
  const d = new Date(due);
  if (!completed && d.getTime() < now.getTime()) return 'overdue';
  if (sameDay(d, now)) return 'today';
  const tomorrow = new Date(now);
  tomorrow.setDate(now.getDate() + 1);
  return sameDay(d, tomorrow) ? 'soon' : 'later';
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
const yearFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "Today 09:00", "Tomorrow 09:00", "Yesterday 17:00", "Mon, 3 Mar 09:00", "3 Mar 2027 09:00" (browser zone). */
export function friendlyDate(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const time = timeFmt.format(d);
  if (sameDay(d, now)) return `Today ${time}`;
  const offset = (n: number) => {
    const x = new Date(now);
    x.setDate(now.getDate() + n);
    return x;
  };
  if (sameDay(d, offset(1))) return `Tomorrow ${time}`;
  if (sameDay(d, offset(-1))) return `Yesterday ${time}`;
  if (d.getFullYear() === now.getFullYear()) return `${dayFmt.format(d)} ${time}`;
  return `${yearFmt.format(d)} ${time}`;
}

export const fullDate = (iso: string) => fullFmt.format(new Date(iso));

/** A date-time shown in a given IANA zone: "3 Mar 2026, 09:00 (Europe/Berlin)". */
export function inZone(iso: string | Date, zone: string, withZone = true): string {
  const f = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone });
  return withZone ? `${f.format(new Date(iso))} (${zone})` : f.format(new Date(iso));
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
export function relative(iso: string, now = Date.now()): string {
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return rtf.format(Math.round(s), 'second');
  if (abs < 45 * 60) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 22 * 3600) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

/** An ISO date-time with the local offset (what the API wants: a date-time *with* offset). */
export function isoWithOffset(d: Date): string {
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`
  );
}
