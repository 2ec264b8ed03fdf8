/**
 * Which reminder instants a task has. Reminders rows are derived from the task on every write
 * (same transaction), so relative reminders move with the due date, and a completed task has none.
 */
import type { Executor } from '../db/types.js';
import type { Reminder } from '../tasks/model.js';

export function reminderTimes(reminders: readonly Reminder[], dueDate: Date | null): Date[] {
  const times = new Map<number, Date>();
  for (const r of reminders) {
    const t = 'at' in r ? new Date(r.at) : dueDate ? new Date(dueDate.getTime() - r.before_minutes * 60_000) : null;
    if (t) times.set(t.getTime(), t);
  }
  return [...times.values()];
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

/** One that already fired is kept and not re-armed (UNIQUE(task_id, remind_at)), so editing a task never repeats a reminder. */
export async function insertReminders(tx: Executor, rows: ReturnType<typeof pendingReminders>): Promise<void> {
  if (!rows.length) return;
  await tx
    .insertInto('reminders')
    .values(rows)
    .onConflict((oc) => oc.columns(['task_id', 'remind_at']).doNothing())
    .execute();
}

/** Replace the task's pending reminders. */
export async function syncReminders(tx: Executor, task: ReminderOwner, now: Date): Promise<void> {
  await tx.deleteFrom('reminders').where('task_id', '=', task.id).where('fired_at', 'is', null).execute();
  await insertReminders(tx, pendingReminders(task, now));
}
