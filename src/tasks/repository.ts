/** Row-level reads and writes of tasks; callers own the transaction. */
import { sql, type RawBuilder } from 'kysely';
import type { Executor, NewTaskRow, TaskRow, TaskUpdateRow } from '../db/types.js';
import type { TaskFields } from './normalize.js';
import { priorityName, priorityRank } from './mapper.js';
import type { Reminder } from './model.js';
import { accessOf, audienceColumn, roleColumn, type Role } from '../projects/access.js';
import type { SubtaskCounts } from './mapper.js';

/** A task the user can see (src/projects/access.ts); `lock`: FOR UPDATE, for a write in the caller's transaction. */
export async function findTask(db: Executor, userId: string, id: number, opts: { lock?: boolean } = {}): Promise<TaskRow | undefined> {
  let q = db
    .selectFrom('tasks')
    .selectAll()
    .where('id', '=', id)
    .where(() => accessOf(userId).tasks);
  if (opts.lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** A task a command is about to change, with what the command needs besides the row (one statement). */
export interface Editable {
  /** locked FOR UPDATE */
  row: TaskRow;
  /** the caller's role in its project */
  role: Role | undefined;
  /** its direct subtasks */
  counts: SubtaskCounts;
  /** who sees its project now (its event's audience while it stays there) */
  audience: string[];
}

/** A task the user can see, locked, with the caller's role, its subtask counts and its project's audience. */
export async function findEditable(db: Executor, userId: string, id: number): Promise<Editable | undefined> {
  const found = await db
    .selectFrom('tasks')
    .innerJoin('projects', 'projects.id', 'tasks.project_id')
    .selectAll('tasks')
    .select([
      roleColumn(userId).as('_role'),
      audienceColumn.as('_audience'),
      // tasks_parent_position covers it (index-only)
      sql<number[]>`(SELECT ARRAY[count(*)::int, (count(*) FILTER (WHERE c.completed))::int] FROM tasks c WHERE c.parent_id = tasks.id)`.as(
        '_subtasks',
      ),
    ])
    .where('tasks.id', '=', id)
    .where(() => accessOf(userId).tasks)
    .forUpdate('tasks')
    .executeTakeFirst();
  if (!found) return undefined;
  const { _role, _audience, _subtasks, ...row } = found;
  return {
    row,
    role: _role ?? undefined,
    counts: { subtask_count: _subtasks[0]!, completed_subtask_count: _subtasks[1]! },
    audience: _audience,
  };
}

/**
 * Rows by id, in id order, whoever's they are: for callers that checked access already, or act
 * for the system (consumers). `lock`: FOR UPDATE.
 */
export async function tasksById(db: Executor, ids: readonly number[], opts: { lock?: boolean } = {}): Promise<TaskRow[]> {
  if (!ids.length) return [];
  let q = db
    .selectFrom('tasks')
    .selectAll()
    .where('id', 'in', [...ids])
    .orderBy('id');
  if (opts.lock) q = q.forUpdate();
  return q.execute();
}

/** A project's tasks in id order, subtasks included; `lock`: FOR UPDATE. */
export async function tasksOfProject(db: Executor, projectId: number, opts: { lock?: boolean } = {}): Promise<TaskRow[]> {
  let q = db.selectFrom('tasks').selectAll().where('project_id', '=', projectId).orderBy('id');
  if (opts.lock) q = q.forUpdate();
  return q.execute();
}

/** Unassigns `assigneeId` from every task of a project (each one version on); the changed rows in id order. */
export async function unassignAll(db: Executor, projectId: number, assigneeId: string, now: Date): Promise<TaskRow[]> {
  const rows = await db
    .updateTable('tasks')
    .set((eb) => ({ assignee_id: null, updated_at: now, version: eb('version', '+', 1) }))
    .where('project_id', '=', projectId)
    .where('assignee_id', '=', assigneeId)
    .returningAll()
    .execute();
  return rows.sort((a, b) => a.id - b.id);
}

/** The id of the next occurrence spawned from a task, if one was. */
export async function spawnOf(db: Executor, taskId: number): Promise<number | undefined> {
  return (await db.selectFrom('tasks').select('id').where('spawned_from', '=', taskId).executeTakeFirst())?.id;
}

/** New positions of rows re-keyed after a tie (src/tasks/position.ts), without a new version: no event of their own. */
export async function setPositions(db: Executor, rows: readonly { id: number; position: string }[]): Promise<void> {
  for (const r of rows) await db.updateTable('tasks').set({ position: r.position }).where('id', '=', r.id).execute();
}

export async function deleteTasks(db: Executor, ids: readonly number[]): Promise<void> {
  if (ids.length)
    await db
      .deleteFrom('tasks')
      .where('id', 'in', [...ids])
      .execute();
}

export async function insertTask(db: Executor, values: NewTaskRow): Promise<TaskRow> {
  return db.insertInto('tasks').values(values).returningAll().executeTakeFirstOrThrow();
}

/** A new task's row; its time zone may be an expression the INSERT evaluates (the user's stored zone). */
export type NewTaskDraft = Omit<NewTaskRow, 'timezone'> & { timezone: string | RawBuilder<string> };

/**
 * Several rows in one statement, returned in the order given. PostgreSQL does not promise the
 * order of RETURNING (it is the VALUES order in practice), so it is checked: a mismatch throws
 * and the caller's transaction rolls back instead of answering a request with another's task.
 */
export async function insertTasks(db: Executor, values: NewTaskDraft[]): Promise<TaskRow[]> {
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
