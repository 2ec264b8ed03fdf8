/**
 * Rules the JSON schema cannot express: time zones, recurrence rules, reminders that need a
 * due date, tag normalisation. Collects every problem so the client sees them all at once.
 */
import { checkRecurrence, isValidTimeZone } from '../recurrence/index.js';
import { ValidationError, type FieldError } from '../errors.js';
import { checkedDate } from './date-range.js';
import { LIMITS, type Reminder, type TaskCreate } from './model.js';

export function normalizeTags(tags: readonly string[], errors: FieldError[]): string[] {
  const out = new Set<string>();
  tags.forEach((raw, i) => {
    const tag = raw.trim().toLowerCase();
    if (!tag) errors.push({ field: `tags/${i}`, message: 'must not be blank' });
    else if (tag.length > LIMITS.tagMax) errors.push({ field: `tags/${i}`, message: `must be at most ${LIMITS.tagMax} characters` });
    else out.add(tag);
  });
  return [...out];
}

export function normalizeRecurrence(input: string | null, errors: FieldError[]): string | null {
  if (input === null) return null;
  const check = checkRecurrence(input);
  if (!check.ok) {
    errors.push({ field: 'recurrence', message: check.message });
    return null;
  }
  return check.rule;
}

export function checkTimeZone(zone: string, errors: FieldError[]): void {
  if (!isValidTimeZone(zone))
    errors.push({ field: 'timezone', message: `unknown time zone "${zone}" (use an IANA name such as Europe/Berlin)` });
}

export function checkReminders(reminders: readonly Reminder[], hasDueDate: boolean, errors: FieldError[]): void {
  reminders.forEach((r, i) => {
    if ('before_minutes' in r && !hasDueDate) {
      errors.push({ field: `reminders/${i}/before_minutes`, message: 'a relative reminder needs the task to have a due_date' });
    }
  });
}

export function checkTitle(title: string, errors: FieldError[]): string {
  const trimmed = title.trim();
  if (!trimmed) errors.push({ field: 'title', message: 'must not be blank' });
  return trimmed;
}

/** The fields of a task after defaults and normalisation: what create/update persist. */
export interface TaskFields {
  title: string;
  description: string;
  priority: NonNullable<TaskCreate['priority']>;
  tags: string[];
  due_date: Date | null;
  timezone: string;
  reminders: Reminder[];
  recurrence: string | null;
  recurrence_basis: NonNullable<TaskCreate['recurrence_basis']>;
}

/** Merge a create/update body onto the current fields and validate the result as a whole. */
export function mergeFields(current: TaskFields, patch: TaskCreate | Partial<TaskCreate>): TaskFields {
  const errors: FieldError[] = [];
  const next: TaskFields = { ...current };
  if (patch.title !== undefined) next.title = checkTitle(patch.title, errors);
  if (patch.description !== undefined) next.description = patch.description;
  if (patch.priority !== undefined) next.priority = patch.priority;
  if (patch.tags !== undefined) next.tags = normalizeTags(patch.tags, errors);
  if (patch.due_date !== undefined) next.due_date = patch.due_date === null ? null : checkedDate('due_date', patch.due_date, errors);
  if (patch.timezone !== undefined) {
    checkTimeZone(patch.timezone, errors);
    next.timezone = patch.timezone;
  }
  if (patch.reminders !== undefined) {
    patch.reminders.forEach((r, i) => 'at' in r && checkedDate(`reminders/${i}/at`, r.at, errors));
    next.reminders = patch.reminders;
  }
  if (patch.recurrence !== undefined) next.recurrence = normalizeRecurrence(patch.recurrence, errors);
  if (patch.recurrence_basis !== undefined) next.recurrence_basis = patch.recurrence_basis;
  checkReminders(next.reminders, next.due_date !== null, errors);
  if (errors.length) throw new ValidationError(errors);
  return next;
}
