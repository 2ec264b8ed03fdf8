/**
 * A task's recurrence as RFC 5545 lines (RRULE, sometimes RDATE) for a calendar event whose
 * DTSTART is the task's current due date.
 *
 * Our presets keep their anchor day: monthly from Jan 31 gives Feb 28/29, then Mar 31; a plain
 * `FREQ=MONTHLY` would skip the short months instead (RFC 5545). The exact RRULE form
 * (`BYMONTHDAY=28,29,30,31;BYSETPOS=-1`) is not expanded correctly by common parsers (ical.js
 * lists every day of the set), so: an anchor on the 31st is `BYMONTHDAY=-1` (the last day of
 * every month: the same dates), one on the 29th or 30th is that day plus an RDATE for each month
 * that lacks it (February) over the next RDATE_YEARS, and yearly from Feb 29 is the last day of
 * February. COUNT counts from the series' first occurrence; the event starts at occurrence
 * `index`, so it gets the remaining count.
 */
import { formatRRule, parseRule, type RRuleParts } from '../recurrence/rule.js';
import { Temporal } from '../recurrence/timezone.js';

/** how far ahead the extra dates of a month-end preset are listed */
export const RDATE_YEARS = 5;

export interface CalendarRecurrence {
  rrule: string;
  /** local date-times (`YYYYMMDDTHHMMSS`, in the event's zone) to add */
  rdates: string[];
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const icalLocal = (d: Temporal.PlainDateTime) =>
  `${pad(d.year, 4)}${pad(d.month)}${pad(d.day)}T${pad(d.hour)}${pad(d.minute)}${pad(d.second)}`;

/** undefined when the series has no occurrence left from `index` (COUNT used up). */
export function calendarRecurrence(
  rule: string,
  zone: string,
  seriesStart: Date,
  due: Date,
  index: number,
): CalendarRecurrence | undefined {
  const parsed = parseRule(rule);
  if (parsed.kind === 'rrule') {
    const parts: RRuleParts = { ...parsed.parts };
    if (parts.count !== undefined) {
      parts.count -= index;
      if (parts.count <= 0) return undefined;
    }
    return { rrule: formatRRule(parts), rdates: [] };
  }
  const anchor = Temporal.Instant.fromEpochMilliseconds(seriesStart.getTime()).toZonedDateTimeISO(zone);
  const day = anchor.day;
  switch (parsed.preset) {
    case 'daily':
      return { rrule: 'FREQ=DAILY', rdates: [] };
    case 'weekly':
      return { rrule: 'FREQ=WEEKLY', rdates: [] };
    case 'yearly':
      return anchor.month === 2 && day === 29
        ? { rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1', rdates: [] }
        : { rrule: `FREQ=YEARLY;BYMONTH=${anchor.month};BYMONTHDAY=${day}`, rdates: [] };
    case 'monthly': {
      if (day <= 28) return { rrule: `FREQ=MONTHLY;BYMONTHDAY=${day}`, rdates: [] };
      if (day === 31) return { rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1', rdates: [] };
      // 29th/30th: the months without that day get their last day instead
      const from = Temporal.Instant.fromEpochMilliseconds(due.getTime()).toZonedDateTimeISO(zone).toPlainDateTime();
      const rdates: string[] = [];
      for (let k = 0; k < RDATE_YEARS * 12; k++) {
        const month = from.toPlainDate().with({ day: 1 }).add({ months: k });
        if (month.daysInMonth >= day) continue;
        const at = month.with({ day: month.daysInMonth }).toPlainDateTime(anchor.toPlainTime());
        if (Temporal.PlainDateTime.compare(at, from) > 0) rdates.push(icalLocal(at));
      }
      return { rrule: `FREQ=MONTHLY;BYMONTHDAY=${day}`, rdates };
    }
  }
}
