/** Row-level reads and writes of projects; callers own the transaction. */
import { sql } from 'kysely';
import type { Executor, NewProjectRow, ProjectRow, ProjectUpdateRow } from '../db/types.js';
import { recordProjectEvent } from '../events/outbox.js';
import { accessOf, sharesOf, type Share } from './access.js';
import type { Project } from './model.js';

export const INBOX_NAME = 'Inbox';
/** the Inbox's key: before every key `keyAfter` hands out from an empty list onwards ("a0" < "a1" < …) */
const INBOX_POSITION = 'a0';

/** A project the user can see (src/projects/access.ts); `lock`: FOR UPDATE, for a write in the caller's transaction. */
export async function findProject(
  db: Executor,
  userId: string,
  id: number,
  opts: { lock?: boolean } = {},
): Promise<ProjectRow | undefined> {
  let q = db
    .selectFrom('projects')
    .selectAll()
    .where('id', '=', id)
    .where(() => accessOf(userId).projects);
  if (opts.lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** The projects the user can see, in manual order; `archived`: only archived (true) or only active (false) ones. */
export async function listProjects(db: Executor, userId: string, filter: { archived?: boolean | undefined } = {}): Promise<ProjectRow[]> {
  let q = db
    .selectFrom('projects')
    .selectAll()
    .where(() => accessOf(userId).projects);
  if (filter.archived !== undefined) q = q.where('archived', '=', filter.archived);
  return q.orderBy('position').orderBy('id').execute();
}

/** Takes the row lock of a project, whoever's it is, until the caller's transaction ends. */
export async function lockProject(tx: Executor, id: number): Promise<void> {
  await tx.selectFrom('projects').select('id').where('id', '=', id).forUpdate().execute();
}

/** How many projects the user owns, archived ones included. */
export async function countOwnedProjects(db: Executor, userId: string): Promise<number> {
  const { n } = await db
    .selectFrom('projects')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('owner_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** The user's own projects (a shared one is ordered by its owner) but `exceptId`, in manual order: id and position. */
export async function ownProjectPlaces(db: Executor, userId: string, exceptId: number): Promise<{ id: number; position: string }[]> {
  return db
    .selectFrom('projects')
    .select(['id', 'position'])
    .where('owner_id', '=', userId)
    .where('id', '<>', exceptId)
    .orderBy('position')
    .orderBy('id')
    .execute();
}

/** The key of the user's last own project in manual order (null: none). */
export async function lastOwnPosition(db: Executor, userId: string): Promise<string | null> {
  const last = await db
    .selectFrom('projects')
    .select('position')
    .where('owner_id', '=', userId)
    .orderBy('position', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return last?.position ?? null;
}

export async function insertProject(db: Executor, values: NewProjectRow): Promise<ProjectRow> {
  return db.insertInto('projects').values(values).returningAll().executeTakeFirstOrThrow();
}

/** `version: 'next'`: one more than the row has (for rows the caller has not read). */
export async function updateProject(
  db: Executor,
  id: number,
  values: Omit<ProjectUpdateRow, 'version'> & { version: number | 'next' },
): Promise<ProjectRow> {
  const { version, ...rest } = values;
  return db
    .updateTable('projects')
    .set((eb) => ({ ...rest, version: version === 'next' ? eb('version', '+', 1) : version }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * A project and its tasks. One statement for the tasks: the parent_id foreign key is checked at
 * its end, when children and parents are gone.
 */
export async function deleteProjectWithTasks(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('tasks').where('project_id', '=', id).execute();
  await db.deleteFrom('projects').where('id', '=', id).execute();
}

/** Open (not completed) tasks per project. */
export async function openTaskCounts(db: Executor, ids: readonly number[]): Promise<Map<number, number>> {
  if (!ids.length) return new Map();
  const { rows } = await sql<{ project_id: number; n: string }>`
    SELECT project_id, count(*) AS n FROM tasks
    WHERE project_id = ANY(${sql.val([...ids])}::int[]) AND completed = false GROUP BY project_id`.execute(db);
  return new Map(rows.map((r) => [r.project_id, Number(r.n)]));
}

/** `share`: the viewer's role and the member count (default: its owner's, unshared). */
export function toProject(row: ProjectRow, openTasks: number, share: Share = { role: 'owner', memberCount: 1 }): Project {
  return {
    id: row.id,
    owner_id: row.owner_id,
    name: row.name,
    color: row.color,
    position: row.position,
    archived: row.archived,
    inbox: row.inbox,
    role: share.role,
    member_count: share.memberCount,
    open_task_count: openTasks,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    version: row.version,
  };
}

/** Rows → API projects with their open-task counts, as `userId` sees them. */
export async function toProjects(db: Executor, userId: string, rows: readonly ProjectRow[]): Promise<Project[]> {
  const ids = rows.map((r) => r.id);
  const [counts, shares] = await Promise.all([openTaskCounts(db, ids), sharesOf(db, userId, ids)]);
  return rows.map((r) => toProject(r, counts.get(r.id) ?? 0, shares.get(r.id)));
}

/**
 * The user's Inbox, created if missing (with its `created` event, in the caller's transaction).
 * Idempotent and race-free: the partial unique index on (owner_id) WHERE inbox makes a second
 * concurrent insert a no-op. Needs the user's row (registration, or first sight of an external
 * identity provider's subject).
 */
export async function ensureInbox(tx: Executor, userId: string, now: Date): Promise<{ row: ProjectRow; created: boolean }> {
  const created = await sql<ProjectRow>`
    INSERT INTO projects (owner_id, name, position, inbox, created_at, updated_at)
    VALUES (${userId}, ${INBOX_NAME}, ${INBOX_POSITION}, true, ${now}, ${now})
    ON CONFLICT (owner_id) WHERE inbox DO NOTHING
    RETURNING *`.execute(tx);
  const row = created.rows[0];
  if (row) {
    await recordProjectEvent(tx, 'created', toProject(row, 0), now);
    return { row, created: true };
  }
  const existing = await tx
    .selectFrom('projects')
    .selectAll()
    .where('owner_id', '=', userId)
    .where('inbox', '=', true)
    .executeTakeFirstOrThrow();
  return { row: existing, created: false };
}
