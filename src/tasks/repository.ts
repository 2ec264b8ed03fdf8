/** Row-level reads and writes of tasks; callers own the transaction. */
import type { Executor, NewTaskRow, TaskRow, TaskUpdateRow } from '../db/types.js';
import type { TaskFields } from './normalize.js';
import { priorityName, priorityRank } from './mapper.js';
import type { Reminder } from './model.js';
import { accessOf } from '../projects/access.js';

export async function findTask(db: Executor, userId: string, id: number, forUpdate = false): Promise<TaskRow | undefined> {
  let q = db
    .selectFrom('tasks')
    .selectAll()
    .where('id', '=', id)
    .where(() => accessOf(userId).tasks);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function insertTask(db: Executor, values: NewTaskRow): Promise<TaskRow> {
  return db.insertInto('tasks').values(values).returningAll().executeTakeFirstOrThrow();
}

/**
 * Several rows in one statement, returned in the order given. PostgreSQL does not promise the
 * order of RETURNING (it is the VALUES order in practice), so it is checked: a mismatch throws
 * and the caller's transaction rolls back instead of answering a request with another's task.
 */
export async function insertTasks(db: Executor, values: NewTaskRow[]): Promise<TaskRow[]> {
  const rows = await db.insertInto('tasks').values(values).returningAll().execute();
  const inOrder =
    rows.length === values.length &&
    rows.every((r, i) => r.user_id === values[i]!.user_id && r.title === values[i]!.title && r.description === values[i]!.description);
  if (!inOrder) throw new Error('INSERT … RETURNING gave the rows in another order than the VALUES');
  return rows;
}

export async function updateTask(db: Executor, id: number, values: TaskUpdateRow): Promise<TaskRow> {
  return db.updateTable('tasks').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export function fieldsOf(row: TaskRow): TaskFields {
  return {
    title: row.title,
    description: row.description,
    priority: priorityName(row.priority),
    tags: row.tags,
    due_date: row.due_date,
    timezone: row.timezone,
    reminders: row.reminders as Reminder[],
    recurrence: row.recurrence,
    recurrence_basis: row.recurrence_basis === 'completion' ? 'completion' : 'due_date',
  };
}

/** The persisted columns for a set of task fields. */
export function columnsOf(f: TaskFields) {
  return {
    title: f.title,
    description: f.description,
    priority: priorityRank(f.priority),
    tags: f.tags,
    due_date: f.due_date,
    timezone: f.timezone,
    reminders: JSON.stringify(f.reminders),
    recurrence: f.recurrence,
    recurrence_basis: f.recurrence_basis,
  };
}
