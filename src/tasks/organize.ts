/**
 * The organizing rules that commands share, as functions of the command's
 * transaction: moving a task (with its subtasks) to another list or place, completing a parent's
 * subtasks, and the time windows of the Today and Upcoming views.
 */
import { sql } from 'kysely';
import { DateTime } from 'luxon';
import type { TaskRow, Tx } from '../db/types.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { TaskEventType } from '../events/schemas.js';
import type { TaskCap } from '../limits/task-cap.js';
import { findProject } from '../projects/repository.js';
import { assigneeKeptIn, markMixedIfForeign, mustEditTasks } from '../projects/access.js';
import type { Task } from './model.js';
import { findTask } from './repository.js';
import { levelOf, placement, subtree } from './tree.js';

export interface Relocation {
  maxLevels: number;
  projectCap: TaskCap | undefined;
}

/** Re-derives a written row's reminders and appends its event (TaskService.recorded). */
export type Recorder = (tx: Tx, row: TaskRow, type: TaskEventType, now: Date) => Promise<Task>;

export interface Target {
  project_id?: number | undefined;
  parent_id?: number | null | undefined;
  before_id?: number | undefined;
  after_id?: number | undefined;
}

export interface Place {
  project_id: number;
  parent_id: number | null;
  position: string;
}

export const tooDeep = (levels: number) =>
  new ValidationError([{ field: 'parent_id', message: `a task tree has at most ${levels} levels (a top-level task is level 1)` }]);

/** advisory-lock namespace of "a project's lists are being rearranged" */
const MOVE_LOCK = 13;

/**
 * Where `current` goes on a move: the list is the new parent's children, else the given
 * project's top level, else the anchor's list, else where it is; the place is right before or
 * after the anchor, else the end. Its subtasks follow it to a new project (each `updated`).
 * Returns the task's new place for the caller to write with the rest of its row.
 */
export async function relocate(
  tx: Tx,
  userId: string,
  current: TaskRow,
  target: Target,
  cfg: Relocation,
  record: Recorder,
  now: Date,
): Promise<Place> {
  const anchorId = target.after_id ?? target.before_id;
  const anchorField = target.after_id !== undefined ? 'after_id' : 'before_id';
  let projectId = current.project_id;
  let parentId = current.parent_id;
  if (target.parent_id != null) {
    const parent = await findTask(tx, userId, target.parent_id);
    if (!parent) throw new NotFoundError(`task ${target.parent_id} not found`);
    if (target.project_id !== undefined && target.project_id !== parent.project_id)
      throw new ValidationError([{ field: 'parent_id', message: 'a subtask is in the project of its parent' }]);
    [projectId, parentId] = [parent.project_id, parent.id];
  } else if (target.parent_id === null) {
    [projectId, parentId] = [target.project_id ?? current.project_id, null];
  } else if (target.project_id !== undefined) {
    [projectId, parentId] = [target.project_id, target.project_id === current.project_id ? current.parent_id : null];
  } else if (anchorId !== undefined) {
    const anchor = await findTask(tx, userId, anchorId);
    if (!anchor) throw new NotFoundError(`task ${anchorId} not found`);
    [projectId, parentId] = [anchor.project_id, anchor.parent_id];
  }
  const crossing = projectId !== current.project_id;
  if (crossing) {
    const project = await findProject(tx, userId, projectId);
    if (!project) throw new NotFoundError(`project ${projectId} not found`);
    if (project.archived) throw new ValidationError([{ field: 'project_id', message: 'the project is archived' }]);
    await mustEditTasks(tx, userId, projectId); // a viewer of the target cannot add to it
  }
  // moves in one project are serialised, so two concurrent moves cannot build a cycle between them
  for (const id of [...new Set([current.project_id, projectId])].sort((a, b) => a - b))
    await sql`SELECT pg_advisory_xact_lock(${MOVE_LOCK}, ${id})`.execute(tx);
  const tree = await subtree(tx, current.id);
  if (parentId !== null) {
    const p = parentId;
    if (tree.some((t) => t.id === p))
      throw new ValidationError([{ field: 'parent_id', message: 'cannot be the task itself or one of its subtasks' }]);
    const height = Math.max(...tree.map((t) => t.level));
    if ((await levelOf(tx, p)) + height > cfg.maxLevels) throw tooDeep(cfg.maxLevels);
  }
  if (crossing) {
    await cfg.projectCap?.check(projectId);
    await markMixedIfForeign(
      tx,
      projectId,
      tree.map((t) => t.id),
    );
  }
  const spot = await placement(tx, { projectId, parentId }, current.id, { afterId: target.after_id, beforeId: target.before_id });
  if (!spot) throw new ValidationError([{ field: anchorField, message: `task ${anchorId} is not in the list the task moves to` }]);
  for (const r of spot.rekeyed) {
    const row = await tx
      .updateTable('tasks')
      .set((eb) => ({ position: r.position, updated_at: now, version: eb('version', '+', 1) }))
      .where('id', '=', r.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await record(tx, row, 'updated', now);
  }
  const below = tree.filter((t) => t.level > 1).map((t) => t.id);
  if (crossing && below.length) {
    const rows = await tx
      .updateTable('tasks')
      // an assignee who is no member of the new project is unassigned
      .set((eb) => ({ project_id: projectId, assignee_id: assigneeKeptIn(projectId), updated_at: now, version: eb('version', '+', 1) }))
      .where('id', 'in', below)
      .returningAll()
      .execute();
    for (const row of rows.sort((a, b) => a.id - b.id)) await record(tx, row, 'updated', now);
  }
  return { project_id: projectId, parent_id: parentId, position: spot.key };
}

/** Completing a parent completes its open subtasks (all levels), each with its `completed` event. */
export async function completeSubtasks(tx: Tx, rootId: number, now: Date, record: Recorder): Promise<void> {
  const below = (await subtree(tx, rootId)).filter((t) => t.level > 1).map((t) => t.id);
  if (!below.length) return;
  const rows = await tx
    .updateTable('tasks')
    .set((eb) => ({ completed: true, completed_at: now, updated_at: now, version: eb('version', '+', 1) }))
    .where('id', 'in', below)
    .where('completed', '=', false)
    .returningAll()
    .execute();
  for (const row of rows.sort((a, b) => a.id - b.id)) await record(tx, row, 'completed', now);
}

export interface ViewQuery {
  kind: 'today' | 'upcoming';
  /** upcoming: calendar days shown, today included */
  days?: number | undefined;
  /** IANA zone overriding the user's preference */
  tz?: string | undefined;
}

/** Open tasks due in [from, before). */
export interface Window {
  from: Date | null;
  before: Date;
}

/**
 * The views, in the caller's zone: Today is every open task due before the end of today (overdue
 * included); Upcoming is the open tasks due from now to the end of the `days`-th calendar day,
 * today being the first (days=7: today and the next six days, as a week view shows them).
 */
export function resolveView(view: ViewQuery, zone: string, now: Date): Window {
  const startOfToday = DateTime.fromJSDate(now, { zone }).startOf('day');
  if (view.kind === 'today') return { from: null, before: startOfToday.plus({ days: 1 }).toJSDate() };
  return { from: now, before: startOfToday.plus({ days: view.days ?? 7 }).toJSDate() };
}
