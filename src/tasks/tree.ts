/**
 * Subtasks and lists: a task's list is its project's top level or its parent's
 * children; a tree has at most `maxLevels` levels. Reads of the tree that commands need, as
 * functions of the caller's executor (transaction).
 */
import { sql } from 'kysely';
import type { Executor, TaskRow } from '../db/types.js';
import { NO_SUBTASKS, toTask, type SubtaskCounts } from './mapper.js';
import type { Task } from './model.js';
import { placeAfter, type Rekeyed } from './position.js';

/** The siblings a task is ordered among. */
export interface Scope {
  projectId: number;
  parentId: number | null;
}

const inScope = (s: Scope) =>
  s.parentId === null ? sql`project_id = ${s.projectId} AND parent_id IS NULL` : sql`parent_id = ${s.parentId}`;

/** Counts of direct subtasks, by parent id (absent: none). One index-only scan per parent. */
export async function subtaskCounts(db: Executor, ids: readonly number[]): Promise<Map<number, SubtaskCounts>> {
  if (!ids.length) return new Map();
  const { rows } = await sql<{ parent_id: number; n: string; done: string }>`
    SELECT parent_id, count(*) AS n, count(*) FILTER (WHERE completed) AS done
    FROM tasks WHERE parent_id = ANY(${sql.val([...ids])}::int[]) GROUP BY parent_id`.execute(db);
  return new Map(rows.map((r) => [r.parent_id, { subtask_count: Number(r.n), completed_subtask_count: Number(r.done) }]));
}

/** Rows → API tasks with their subtask counts. */
export async function withCounts(db: Executor, rows: readonly TaskRow[]): Promise<Task[]> {
  const counts = await subtaskCounts(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toTask(r, counts.get(r.id) ?? NO_SUBTASKS));
}

export const withCountsOne = async (db: Executor, row: TaskRow): Promise<Task> => (await withCounts(db, [row]))[0]!;

/** A task and its ancestors (bounded walk up the parent chain): how many, and whether one of them recurs. */
async function ancestry(db: Executor, taskId: number): Promise<{ levels: number; recurs: boolean }> {
  const { rows } = await sql<{ n: number | null; recurs: boolean | null }>`
    WITH RECURSIVE up (id, parent_id, recurrence, n) AS (
      SELECT id, parent_id, recurrence, 1 FROM tasks WHERE id = ${taskId}
      UNION ALL
      SELECT t.id, t.parent_id, t.recurrence, up.n + 1 FROM tasks t JOIN up ON t.id = up.parent_id WHERE up.n < 64
    ) SELECT max(n) AS n, bool_or(recurrence IS NOT NULL) AS recurs FROM up`.execute(db);
  return { levels: Number(rows[0]?.n ?? 0), recurs: rows[0]?.recurs === true };
}

/** The level of a task: 1 at the top, 2 for its subtasks, … */
export const levelOf = async (db: Executor, taskId: number): Promise<number> => (await ancestry(db, taskId)).levels;

/** Whether a task or one of its ancestors recurs. */
export const recursFrom = async (db: Executor, taskId: number): Promise<boolean> => (await ancestry(db, taskId)).recurs;

/** A task and all its descendants, parents before children, with their level below it (the task: 1). */
export async function subtree(db: Executor, taskId: number): Promise<{ id: number; level: number }[]> {
  const { rows } = await sql<{ id: number; level: number }>`
    WITH RECURSIVE down (id, level) AS (
      SELECT id, 1 FROM tasks WHERE id = ${taskId}
      UNION ALL
      SELECT c.id, down.level + 1 FROM tasks c JOIN down ON c.parent_id = down.id WHERE down.level < 64
    ) SELECT id, level FROM down ORDER BY level, id`.execute(db);
  return rows.map((r) => ({ id: r.id, level: Number(r.level) }));
}

/** The last key of a list (null: empty). */
export async function lastKey(db: Executor, scope: Scope): Promise<string | null> {
  const { rows } = await sql<{ position: string }>`
    SELECT position FROM tasks WHERE ${inScope(scope)} ORDER BY position DESC, id DESC LIMIT 1`.execute(db);
  return rows[0]?.position ?? null;
}

/**
 * The last key of each of these lists, in one statement (a group commit's creates go to many
 * lists: a look-up each cost a round trip each). Keyed by `scopeKey`; null: the list is empty.
 */
export async function lastKeys(db: Executor, scopes: readonly Scope[]): Promise<Map<string, string | null>> {
  const top = [...new Set(scopes.filter((s) => s.parentId === null).map((s) => s.projectId))];
  const under = [...new Set(scopes.flatMap((s) => (s.parentId === null ? [] : [s.parentId])))];
  // each arm is lastKey's own query per list (the same index, the same plan), correlated to its id
  const { rows } = await sql<{ project_id: number | null; parent_id: number | null; position: string | null }>`
    SELECT s.id AS project_id, NULL::int AS parent_id,
      (SELECT position FROM tasks WHERE project_id = s.id AND parent_id IS NULL ORDER BY position DESC, id DESC LIMIT 1) AS position
    FROM unnest(${sql.val(top)}::int[]) AS s(id)
    UNION ALL
    SELECT NULL, s.id, (SELECT position FROM tasks WHERE parent_id = s.id ORDER BY position DESC, id DESC LIMIT 1)
    FROM unnest(${sql.val(under)}::int[]) AS s(id)`.execute(db);
  return new Map(rows.map((r) => [r.parent_id === null ? `p${r.project_id}` : `t${r.parent_id}`, r.position]));
}

/** A list's identity, as a map key. */
export const scopeKey = (s: Scope): string => (s.parentId === null ? `p${s.projectId}` : `t${s.parentId}`);

/**
 * Where `movingId` goes in `scope`: right after `afterId`, right before `beforeId`, or at the end.
 * The anchor must be in the list (else undefined). Returns its key and the tied rows re-keyed.
 */
export async function placement(
  db: Executor,
  scope: Scope,
  movingId: number,
  anchor: { afterId?: number | undefined; beforeId?: number | undefined },
): Promise<{ key: string; rekeyed: Rekeyed[] } | undefined> {
  const others = sql`${inScope(scope)} AND id <> ${movingId}`;
  const anchorId = anchor.afterId ?? anchor.beforeId;
  if (anchorId === undefined) return placeAfter(await lastKeyExcept(db, scope, movingId), [], null);
  const { rows: found } = await sql<{ id: number; position: string }>`
    SELECT id, position FROM tasks WHERE ${others} AND id = ${anchorId}`.execute(db);
  const a = found[0];
  if (!a) return undefined;
  // "before B" is "after the row before B" (or at the start when B is first)
  let prev: { id: number; position: string } | undefined = a;
  if (anchor.afterId === undefined) {
    const { rows } = await sql<{ id: number; position: string }>`
      SELECT id, position FROM tasks WHERE ${others} AND (position, id) < (${a.position}, ${a.id})
      ORDER BY position DESC, id DESC LIMIT 1`.execute(db);
    prev = rows[0];
  }
  if (!prev) {
    const { rows } = await sql<{ position: string }>`SELECT position FROM tasks WHERE ${others} ORDER BY position, id LIMIT 1`.execute(db);
    return placeAfter(null, [], rows[0]?.position ?? null);
  }
  const [{ rows: tied }, { rows: next }] = await Promise.all([
    sql<{ id: number }>`SELECT id FROM tasks WHERE ${others} AND position = ${prev.position} AND id > ${prev.id} ORDER BY id`.execute(db),
    sql<{ position: string }>`
      SELECT position FROM tasks WHERE ${others} AND position > ${prev.position} ORDER BY position, id LIMIT 1`.execute(db),
  ]);
  return placeAfter(
    prev.position,
    tied.map((t) => t.id),
    next[0]?.position ?? null,
  );
}

async function lastKeyExcept(db: Executor, scope: Scope, id: number): Promise<string | null> {
  const { rows } = await sql<{ position: string }>`
    SELECT position FROM tasks WHERE ${inScope(scope)} AND id <> ${id} ORDER BY position DESC, id DESC LIMIT 1`.execute(db);
  return rows[0]?.position ?? null;
}
