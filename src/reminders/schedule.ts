/**
 * Which reminder instants a task has. Reminders rows are derived from the task on every write
 * (same transaction), so relative reminders move with the due date, and a completed task has none.
 */
import { activeTraceparent } from '../tracing/context.js';
import type { QueryCreator } from 'kysely';
import type { Database, Executor } from '../db/types.js';
import type { Reminder } from '../tasks/model.js';

/** The instant one reminder stands for, or null (a relative reminder of a task without a due date). */
export function reminderTime(r: Reminder, dueDate: Date | null): Date | null {
  if ('at' in r) return new Date(r.at);
  return dueDate ? new Date(dueDate.getTime() - r.before_minutes * 60_000) : null;
}

export function reminderTimes(reminders: readonly Reminder[], dueDate: Date | null): Date[] {
  const times = new Map<number, Date>();
  for (const r of reminders) {
    const t = reminderTime(r, dueDate);
    if (t) times.set(t.getTime(), t);
  }
  return [...times.values()];
}

type ReminderSet = { reminders: readonly Reminder[]; due_date: Date | null };

/**
 * Indexes of the reminders that are being set for a time already past: they would never fire,
 * so the API refuses them. A reminder the task already had at that instant is not
 * being set — it fired already, or it is an unchanged one on a task whose due date did not move —
 * so an edit of such a task is not refused for it.
 */
export function pastReminders(next: ReminderSet, had: ReminderSet | null, now: Date): number[] {
  const before = new Set(had ? reminderTimes(had.reminders, had.due_date).map((t) => t.getTime()) : []);
  return next.reminders.flatMap((r, i) => {
    const t = reminderTime(r, next.due_date);
    return t && t.getTime() <= now.getTime() && !before.has(t.getTime()) ? [i] : [];
  });
}

type ReminderOwner = { id: number; user_id: string; completed: boolean; reminders: readonly Reminder[]; due_date: Date | null };

/**
 * The reminder rows a task owes from now on. Instants already in the past when set are not
 * scheduled (no surprise notifications for old times); a completed task has none.
 */
export function pendingReminders(task: ReminderOwner, now: Date) {
  if (task.completed) return [];
  return reminderTimes(task.reminders, task.due_date)
    .filter((t) => t.getTime() > now.getTime())
    .map((remind_at) => ({ task_id: task.id, user_id: task.user_id, remind_at, fired_at: null }));
}

/** Transactions that inserted reminder rows (the clocks re-arm after their commit only). */
const written = new WeakSet<Executor>();

/** Whether `tx` inserted reminder rows (through insertReminders). */
export const wroteReminders = (tx: Executor): boolean => written.has(tx);

/** One that already fired is kept and not re-armed (UNIQUE(task_id, remind_at)), so editing a task never repeats a reminder. */
export async function insertReminders(
  tx: Executor,
  rows: (ReturnType<typeof pendingReminders>[number] & { traceparent?: string | null })[],
): Promise<void> {
  if (!rows.length) return;
  written.add(tx);
  // the write's trace, so that the firing links back to it (docs/observability.md)
  const active = activeTraceparent();
  await tx
    .insertInto('reminders')
    .values(active ? rows.map((r) => ({ ...r, traceparent: r.traceparent ?? active })) : rows)
    .onConflict((oc) => oc.columns(['task_id', 'remind_at']).where('snooze_of', 'is', null).doNothing())
    .execute();
}

/**
 * Replace the task's pending reminders. A pending snooze is the user's own request, not derived
 * from the task: it survives edits, but not completion (a completed task reminds of nothing).
 */
export async function syncReminders(tx: Executor, task: ReminderOwner, now: Date): Promise<void> {
  await clearReminders(tx, task.id, task.completed).execute();
  await insertReminders(tx, pendingReminders(task, now));
}

/**
 * syncReminders' first half, unexecuted: a command may run it as a CTE of the task's UPDATE (one
 * statement less), then insert `pendingReminders` itself.
 */
export function clearReminders(db: QueryCreator<Database>, taskId: number, completed: boolean) {
  const pending = db.deleteFrom('reminders').where('task_id', '=', taskId).where('fired_at', 'is', null);
  return completed ? pending : pending.where('snooze_of', 'is', null);
}
