/**
 * The calendar feed: a user's open tasks with a due date as RFC 5545 events, for
 * Google, Apple and Outlook calendars to subscribe to. Events rather than VTODOs, because
 * calendar apps show events (Google ignores VTODO). Each event starts at the due date in the
 * task's own zone (DTSTART;TZID with its VTIMEZONE), repeats by the task's rule (RRULE, for the
 * due-date basis: a completion-based series has no schedule to publish) and carries its
 * reminders (VALARM). A recurring task's UID is its series, so the calendar keeps one event
 * while the occurrences (new task rows) come and go.
 *
 * ical-generator writes the calendar; it has no time zone data of its own, so the VTIMEZONE
 * blocks come from timezones-ical-library (the IANA database's current rules as RFC 5545
 * STANDARD/DAYLIGHT rules).
 */
import ical, { ICalAlarmType } from 'ical-generator';
import { DateTime } from 'luxon';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import type { StoredReminder } from '../db/types.js';
import { calendarRecurrence } from './rrule.js';

export interface FeedTask {
  id: number;
  title: string;
  description: string;
  due_date: Date;
  timezone: string;
  reminders: StoredReminder[];
  recurrence: string | null;
  recurrence_basis: string;
  series_id: string | null;
  series_start: Date | null;
  series_index: number;
  updated_at: Date;
}

/** how long an event lasts: a due date is an instant, and calendars draw zero-length events poorly */
export const EVENT_MINUTES = 30;

function vtimezone(zone: string): string | null {
  const block = tzlib_get_ical_block(zone);
  return Array.isArray(block) && block[0] ? block[0] : null;
}

export function buildFeed(tasks: FeedTask[], opts: { name: string; host: string }): string {
  const cal = ical({
    name: opts.name,
    prodId: { company: 'taskstream', product: 'tasks', language: 'EN' },
    timezone: { name: null, generator: vtimezone },
    ttl: 15 * 60,
  });
  for (const t of tasks) {
    const recurring = t.recurrence !== null && t.recurrence_basis === 'due_date';
    const rec = recurring
      ? calendarRecurrence(t.recurrence!, t.timezone, t.series_start ?? t.due_date, t.due_date, t.series_index)
      : undefined;
    // ical-generator inserts a string rule as lines; RDATEs ride along (it has no RDATE of its own)
    const lines = rec ? [`RRULE:${rec.rrule}`, ...(rec.rdates.length ? [`RDATE;TZID=${t.timezone}:${rec.rdates.join(',')}`] : [])] : [];
    const event = cal.createEvent({
      id: rec && t.series_id ? `series-${t.series_id}@${opts.host}` : `task-${t.id}@${opts.host}`,
      // zoned values: given a plain Date, ical-generator would write its UTC wall clock after the TZID
      start: DateTime.fromJSDate(t.due_date, { zone: t.timezone }),
      end: DateTime.fromJSDate(t.due_date, { zone: t.timezone }).plus({ minutes: EVENT_MINUTES }),
      timezone: t.timezone,
      summary: t.title,
      description: t.description || null,
      stamp: t.updated_at,
      lastModified: t.updated_at,
      repeating: lines.length ? lines.join('\n') : null,
    });
    for (const r of t.reminders) {
      // relative to the start, so it applies to every occurrence of a series (reminders are re-anchored per occurrence)
      const before = r.before_minutes !== undefined ? r.before_minutes * 60 : (t.due_date.getTime() - Date.parse(r.at ?? '')) / 1000;
      if (!Number.isFinite(before)) continue;
      event.createAlarm({ type: ICalAlarmType.display, trigger: Math.round(before), description: t.title });
    }
  }
  return cal.toString();
}
