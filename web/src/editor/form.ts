/**
 * The editor's form: a task ↔ what the fields show (the due date as wall-clock date and time in the
 * task's zone, reminder rows, the recurrence form) and back to the API's TaskInput.
 */
import type { FieldError, Priority, RecurrenceBasis, Reminder, Task, TaskInput } from '../api';
import { DATE_RANGE_TEXT, inDateRange } from '../dates';
import { WEEKDAYS, type Weekday } from '../repeat-text';
import { getState } from '../store';
import { resolveProjectId } from '../views';
import { emptyForm, fromRule, toRule, type Mode, type RecurrenceForm } from './recurrence';
import { fromWall, toLocalInput, toWall, validZone } from './zoned';

export type Unit = 'minutes' | 'hours' | 'days';
const UNIT_MIN: Record<Unit, number> = { minutes: 1, hours: 60, days: 1440 };
export type ReminderRow = { key: number; kind: 'before'; amount: number; unit: Unit } | { key: number; kind: 'at'; at: string };

export interface Form {
  title: string;
  description: string;
  priority: Priority;
  tags: string[];
  dueDate: string;
  dueTime: string;
  timezone: string;
  reminders: ReminderRow[];
  recurrence: RecurrenceForm;
  basis: RecurrenceBasis;
  /** the project's id as a string ('' until the projects are known) */
  project: string;
  /** the assignee's user id, '' for nobody */
  assignee: string;
}

type SetField = <K extends keyof Form>(key: K, value: Form[K]) => void;

/** What every section of the editor gets: the form, its setter, and the server's message for a field. */
export interface SectionProps {
  form: Form;
  set: SetField;
  msg: (field: string) => string | undefined;
}

/** A new task starts in the project on screen, else in the Inbox. */
function defaultProject(): string {
  const s = getState();
  return (s.view.kind === 'project' ? resolveProjectId(s.view, s.projects) : null) ?? String(s.projects.find((p) => p.inbox)?.id ?? '');
}

let rowKey = 0;

function reminderRow(r: Reminder, zone: string): ReminderRow {
  if ('at' in r) return { key: ++rowKey, kind: 'at', at: toLocalInput(r.at, zone) };
  const m = r.before_minutes;
  const unit: Unit = m > 0 && m % 1440 === 0 ? 'days' : m > 0 && m % 60 === 0 ? 'hours' : 'minutes';
  return { key: ++rowKey, kind: 'before', amount: m / UNIT_MIN[unit], unit };
}

/** A new reminder row: 15 minutes before the due date, or at a time when the task has none. */
export function newReminder(form: Form, kind: ReminderRow['kind'] = form.dueDate ? 'before' : 'at', key = ++rowKey): ReminderRow {
  return kind === 'at' ? { key, kind, at: defaultAt(form) } : { key, kind, amount: 15, unit: 'minutes' };
}

export function formFrom(task: Task | null, zone: string): Form {
  if (!task) {
    return {
      title: '',
      description: '',
      priority: 'none',
      tags: [],
      dueDate: '',
      dueTime: '09:00',
      timezone: zone,
      reminders: [],
      recurrence: emptyForm(),
      basis: 'due_date',
      project: defaultProject(),
      assignee: '',
    };
  }
  const wall = task.due_date ? toWall(task.due_date, task.timezone) : { date: '', time: '09:00' };
  return {
    title: task.title,
    description: task.description,
    priority: task.priority,
    tags: [...task.tags],
    dueDate: wall.date,
    dueTime: wall.time,
    timezone: task.timezone,
    reminders: task.reminders.map((r) => reminderRow(r, task.timezone)),
    recurrence: fromRule(task.recurrence),
    basis: task.recurrence_basis,
    project: task.project_id === undefined ? '' : String(task.project_id),
    assignee: task.assignee_id ?? '',
  };
}

/** The due date as an instant with offset (null: none, or not a valid date-time in the zone). */
export const dueOf = (f: Form): string | null => (f.dueDate ? fromWall(`${f.dueDate}T${f.dueTime || '09:00'}`, f.timezone) : null);

export function toInput(f: Form): TaskInput {
  return {
    title: f.title,
    description: f.description,
    priority: f.priority,
    tags: f.tags,
    due_date: dueOf(f),
    timezone: f.timezone.trim(),
    reminders: f.reminders.map((r) =>
      r.kind === 'before' ? { before_minutes: Math.round(r.amount * UNIT_MIN[r.unit]) } : { at: fromWall(r.at, f.timezone) ?? r.at },
    ),
    recurrence: toRule(f.recurrence),
    recurrence_basis: f.basis,
    assignee_id: f.assignee || null,
  };
}

/**
 * Dates outside the years the API accepts, caught before sending, in plain words. A year is never
 * completed or guessed: "0001" stays year 1 and is refused, not read as 1901 or 2001.
 */
export function datesOutOfRange(f: Form): FieldError[] {
  const errors: FieldError[] = [];
  if (f.dueDate && !inDateRange(f.dueDate)) errors.push({ field: 'due_date', message: `The due date must be ${DATE_RANGE_TEXT}.` });
  f.reminders.forEach((r, i) => {
    if (r.kind === 'at' && r.at && !inDateRange(r.at))
      errors.push({ field: `reminders/${i}`, message: `Reminder ${i + 1} must be ${DATE_RANGE_TEXT}.` });
  });
  const rec = f.recurrence;
  if (rec.mode === 'custom' && rec.end === 'until' && rec.until && !inDateRange(rec.until))
    errors.push({ field: 'recurrence', message: `The repeat's end date must be ${DATE_RANGE_TEXT}.` });
  return errors;
}

/** A tag as typed ("#Home ") → as stored ("home"), added once. */
export function withTag(tags: string[], raw: string): string[] {
  const tag = raw.trim().toLowerCase().replace(/^#/, '');
  return tag && !tags.includes(tag) ? [...tags, tag] : tags;
}

/** Sensible starting values when the user picks a repeat mode (weekday of the due date, etc.). */
export function modeDefaults(mode: Mode, form: Form): Partial<RecurrenceForm> {
  const patch: Partial<RecurrenceForm> = { mode };
  if (mode === 'custom' && form.recurrence.mode !== 'custom') {
    const day = form.dueDate ? new Date(`${form.dueDate}T12:00:00`) : new Date();
    const wd = WEEKDAYS[(day.getDay() + 6) % 7] as Weekday;
    Object.assign(patch, { freq: 'WEEKLY', byDay: [wd], monthDay: day.getDate(), setPosDay: wd });
  }
  if (mode === 'rrule' && !form.recurrence.rrule) patch.rrule = toRule(form.recurrence) ?? 'FREQ=WEEKLY';
  return patch;
}

function defaultAt(form: Form): string {
  if (form.dueDate) return `${form.dueDate}T${form.dueTime || '09:00'}:00`;
  const now = new Date(Date.now() + 3600_000);
  return toLocalInput(now.toISOString(), validZone(form.timezone) ? form.timezone : 'UTC').slice(0, 16) + ':00';
}
