/**
 * Deleted tasks are kept for RESTORE_DAYS so that a deletion can be undone: the same task comes
 * back (id, history, subtasks, place), which a copy created anew could not give. Callers own the
 * transaction; the service writes the events.
 */
import { sql } from 'kysely';
import type { Executor, TaskRow } from '../db/types.js';
import { taskEvent } from '../events/outbox.js';
import type { Task } from './model.js';

export const RESTORE_DAYS = 30;
const RESTORE_MS = RESTORE_DAYS * 86_400_000;
/** expired rows removed by one deletion: a bounded cost per request, never a wait on another's */
const PURGE_BATCH = 100;

/**
 * Keeps the rows about to be deleted: the task `rootId` and its subtasks (`depth` from subtree()).
 * Also forgets a batch of deletions older than the grace period.
 */
export async function keepDeleted(
  tx: Executor,
  deletion: { rootId: number; userId: string; at: Date; tasks: readonly { id: number; level: number }[] },
): Promise<void> {
  const cutoff = new Date(deletion.at.getTime() - RESTORE_MS);
  await sql`
    DELETE FROM deleted_tasks WHERE task_id IN (
      SELECT task_id FROM deleted_tasks WHERE deleted_at < ${cutoff} LIMIT ${PURGE_BATCH} FOR UPDATE SKIP LOCKED)`.execute(tx);
  // the row without its rendered JSON: the insert trigger renders the restored row again
  await sql`
    INSERT INTO deleted_tasks (task_id, root_id, depth, project_id, deleted_by, deleted_at, data)
    SELECT t.id, ${deletion.rootId}, d.level, t.project_id, ${deletion.userId}, ${deletion.at}, to_jsonb(t) - 'rendered'
    FROM tasks t JOIN unnest(${sql.val(deletion.tasks.map((x) => x.id))}::int[], ${sql.val(deletion.tasks.map((x) => x.level))}::int[])
      AS d(id, level) ON d.id = t.id`.execute(tx);
}

export interface Deleted {
  rootId: number;
  projectId: number;
  /** the root's parent when it was deleted */
  parentId: number | null;
  /** levels of the deleted tree (1: the task alone) */
  height: number;
}

/** A task deleted within the grace period (locked), or undefined. */
export async function findDeleted(tx: Executor, id: number, now: Date): Promise<Deleted | undefined> {
  const { rows } = await sql<{ root_id: number; project_id: number; parent_id: number | null; height: number }>`
    SELECT d.root_id, d.project_id, (d.data->>'parent_id')::int AS parent_id,
      (SELECT max(x.depth) FROM deleted_tasks x WHERE x.root_id = d.root_id) AS height
    FROM deleted_tasks d WHERE d.task_id = ${id} AND d.deleted_at >= ${new Date(now.getTime() - RESTORE_MS)}
    FOR UPDATE`.execute(tx);
  const r = rows[0];
  return r && { rootId: r.root_id, projectId: r.project_id, parentId: r.parent_id, height: Number(r.height) };
}

/**
 * Puts the deletion of `rootId` back: every row as it was, but one version on, updated `at`, the
 * root at `rootPlace`; an assignee who left the project is dropped, and a `spawned_from` another
 * task took meanwhile is cleared (it is unique). Parents first (the rows are returned in that order).
 */
export async function restoreDeleted(
  tx: Executor,
  rootId: number,
  at: Date,
  /** null: where it was */
  rootPlace: { parent_id: number | null; position: string } | null,
): Promise<TaskRow[]> {
  const { rows } = await sql<TaskRow & { _depth: number }>`
    WITH back AS (
      INSERT INTO tasks OVERRIDING SYSTEM VALUE
      SELECT r.* FROM deleted_tasks d CROSS JOIN LATERAL jsonb_populate_record(NULL::tasks,
        d.data
        || jsonb_build_object('version', (d.data->>'version')::int + 1, 'updated_at', ${at}::timestamptz)
        || CASE WHEN d.task_id = ${rootId} THEN ${JSON.stringify(rootPlace ?? {})}::jsonb ELSE '{}'::jsonb END
        || CASE WHEN d.data->>'assignee_id' IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM projects p WHERE p.id = d.project_id AND p.owner_id = d.data->>'assignee_id'
             UNION ALL SELECT 1 FROM project_members m WHERE m.project_id = d.project_id AND m.user_id = d.data->>'assignee_id')
           THEN '{"assignee_id": null}'::jsonb ELSE '{}'::jsonb END
        || CASE WHEN EXISTS (SELECT 1 FROM tasks x WHERE x.spawned_from = (d.data->>'spawned_from')::int)
           THEN '{"spawned_from": null}'::jsonb ELSE '{}'::jsonb END) r
      WHERE d.root_id = ${rootId}
      RETURNING *
    )
    SELECT back.*, d.depth AS _depth FROM back JOIN deleted_tasks d ON d.task_id = back.id ORDER BY d.depth, back.id`.execute(tx);
  await sql`DELETE FROM deleted_tasks WHERE root_id = ${rootId}`.execute(tx);
  return rows.map(({ _depth, ...row }) => row as TaskRow);
}

/** A restored task's event: `created` (the type every consumer knows: live lists add it, webhooks send task.created), marked `restored`. */
export function restoredEvent(task: Task, at: Date): ReturnType<typeof taskEvent> {
  const e = taskEvent('created', task, at);
  return { ...e, payload: { ...e.payload, restored: true } };
}
