/**
 * Who may see what: THE one place that says which projects and tasks a user can see and with
 * which role. Every read and write of projects and tasks filters through it, so a
 * project or task outside it is a 404 everywhere, and a role that may not do something is a 403.
 *
 * A user sees the projects they own and those shared with them (`project_members`), and every
 * task of those projects whoever created it (`tasks.user_id` stays the creator).
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Executor } from '../db/types.js';
import { ForbiddenError } from '../errors.js';

export type Role = 'owner' | 'editor' | 'viewer';
export const MEMBER_ROLES = ['editor', 'viewer'] as const;

/** Subquery: the ids of the projects `userId` can see. */
const visibleProjectIds = (userId: string): RawBuilder<unknown> =>
  sql`SELECT id FROM projects WHERE owner_id = ${userId} UNION ALL SELECT project_id FROM project_members WHERE user_id = ${userId}`;

export interface Access {
  /** condition on a query FROM projects: the projects `userId` can see */
  projects: Expression<SqlBool>;
  /** condition on a query FROM tasks: the tasks `userId` can see (for lookups by id; lists use `listScope`) */
  tasks: Expression<SqlBool>;
}

export function accessOf(userId: string): Access {
  return {
    // an IN over the UNION, not `owner_id = me OR id IN (members)`: PostgreSQL answers that OR with
    // a scan of every project (a hashed subplan cannot use an index), this with two index lookups
    projects: sql<SqlBool>`projects.id IN (${visibleProjectIds(userId)})`,
    tasks: sql<SqlBool>`tasks.project_id IN (${visibleProjectIds(userId)})`,
  };
}

/**
 * The condition of a task list, for `userId`. The owner's projects that never held another's task
 * (not `mixed`) are read as `tasks.user_id = me`, which every list index leads with, so an account
 * that shares nothing lists exactly as fast as before sharing; shared projects are read by
 * project id. One small query of the user's projects first.
 */
export async function listScope(db: Executor, userId: string): Promise<Expression<SqlBool>> {
  const rows = await db
    .selectFrom('projects')
    .select(['id', 'owner_id', 'mixed'])
    .where(() => accessOf(userId).projects)
    .execute();
  const plain = rows.filter((p) => p.owner_id === userId && !p.mixed).map((p) => p.id);
  const shared = rows.filter((p) => !(p.owner_id === userId && !p.mixed)).map((p) => p.id);
  const parts: Expression<SqlBool>[] = [];
  if (plain.length) parts.push(sql<SqlBool>`(tasks.user_id = ${userId} AND tasks.project_id = ANY(${plain}::int[]))`);
  if (shared.length) parts.push(sql<SqlBool>`tasks.project_id = ANY(${shared}::int[])`);
  if (!parts.length) return sql<SqlBool>`false`;
  return parts.length === 1 ? parts[0]! : sql<SqlBool>`(${parts[0]!} OR ${parts[1]!})`;
}

export interface Share {
  role: Role;
  /** members, the owner included */
  memberCount: number;
}

/** The caller's role and the member count of each of these (visible) projects. */
export async function sharesOf(db: Executor, userId: string, ids: readonly number[]): Promise<Map<number, Share>> {
  if (!ids.length) return new Map();
  const { rows } = await sql<{ id: number; owner_id: string; role: string | null; n: string }>`
    SELECT p.id, p.owner_id,
      (SELECT m.role FROM project_members m WHERE m.project_id = p.id AND m.user_id = ${userId}) AS role,
      (SELECT count(*) FROM project_members m WHERE m.project_id = p.id) AS n
    FROM projects p WHERE p.id = ANY(${sql.val([...ids])}::int[])`.execute(db);
  return new Map(
    rows.map((r) => [
      r.id,
      { role: r.owner_id === userId ? 'owner' : ((r.role as Role | null) ?? 'viewer'), memberCount: 1 + Number(r.n) },
    ]),
  );
}

/** The caller's role in a project, or undefined when they cannot see it. */
export async function roleIn(db: Executor, userId: string, projectId: number): Promise<Role | undefined> {
  const { rows } = await sql<{ owner_id: string; role: string | null }>`
    SELECT p.owner_id, (SELECT m.role FROM project_members m WHERE m.project_id = p.id AND m.user_id = ${userId}) AS role
    FROM projects p WHERE p.id = ${projectId}`.execute(db);
  const r = rows[0];
  if (!r) return undefined;
  if (r.owner_id === userId) return 'owner';
  return (r.role as Role | null) ?? undefined;
}

/** Owner and editor change tasks; a viewer reads. */
export const canEditTasks = (role: Role | undefined): boolean => role === 'owner' || role === 'editor';

/** 403 unless the caller may change the tasks of this (visible) project. */
export async function mustEditTasks(db: Executor, userId: string, projectId: number): Promise<void> {
  mayEditTasks(await roleIn(db, userId, projectId), projectId);
}

/** 403 unless `role` (the caller's in the project, read by the caller's own query) may change its tasks. */
export function mayEditTasks(role: Role | undefined, projectId: number): void {
  if (!canEditTasks(role))
    throw new ForbiddenError(`a viewer of project ${projectId} cannot change its tasks; ask its owner to make you an editor`);
}

/** Select-list expression of a query FROM projects: the caller's role in the project (null: none), as roleIn reads it. */
export const roleColumn = (userId: string): RawBuilder<Role | null> =>
  sql<Role | null>`CASE WHEN projects.owner_id = ${userId} THEN 'owner'
    ELSE (SELECT m.role FROM project_members m WHERE m.project_id = projects.id AND m.user_id = ${userId}) END`;

/** Select-list expression of a query FROM projects: the project's audience, as audiencesOf reads it (owner first, then members by id). */
export const audienceColumn: RawBuilder<string[]> = sql<string[]>`array_prepend(projects.owner_id,
  ARRAY(SELECT m.user_id FROM project_members m WHERE m.project_id = projects.id ORDER BY m.user_id))`;

/** Whether `userId` is the owner or a member of the project (may be its tasks' assignee). */
export async function isMember(db: Executor, projectId: number, userId: string): Promise<boolean> {
  const { rows } = await sql`
    SELECT 1 FROM projects WHERE id = ${projectId} AND owner_id = ${userId}
    UNION ALL SELECT 1 FROM project_members WHERE project_id = ${projectId} AND user_id = ${userId}`.execute(db);
  return rows.length > 0;
}

/** Who sees each project's tasks now (owner first, then members by user id): an event's `audience`. */
export async function audiencesOf(db: Executor, projectIds: readonly number[]): Promise<Map<number, string[]>> {
  const ids = [...new Set(projectIds)];
  if (!ids.length) return new Map();
  const { rows } = await sql<{ id: number; users: string[] }>`
    SELECT p.id, array_prepend(p.owner_id, coalesce(array_agg(m.user_id ORDER BY m.user_id) FILTER (WHERE m.user_id IS NOT NULL), '{}')) AS users
    FROM projects p LEFT JOIN project_members m ON m.project_id = p.id
    WHERE p.id = ANY(${sql.val(ids)}::int[]) GROUP BY p.id`.execute(db);
  return new Map(rows.map((r) => [r.id, r.users]));
}

/**
 * A task that moves into a project whose owner did not create it makes that project `mixed`
 * (see listScope), so its owner's lists read it by project id from now on.
 */
export async function markMixedIfForeign(db: Executor, projectId: number, taskIds: readonly number[]): Promise<void> {
  if (!taskIds.length) return;
  await sql`
    UPDATE projects p SET mixed = true
    WHERE p.id = ${projectId} AND NOT p.mixed
      AND EXISTS (SELECT 1 FROM tasks t WHERE t.id = ANY(${sql.val([...taskIds])}::int[]) AND t.user_id <> p.owner_id)`.execute(db);
}

/** For an UPDATE of tasks moving to a project: their assignee if a member there, else null. */
export const assigneeKeptIn = (projectId: number): RawBuilder<string | null> =>
  sql<string | null>`CASE WHEN tasks.assignee_id IN (SELECT owner_id FROM projects WHERE id = ${projectId}
    UNION ALL SELECT user_id FROM project_members WHERE project_id = ${projectId}) THEN tasks.assignee_id END`;
