import { sql, type Kysely } from 'kysely';

/**
 * The capped total of a task list (src/tasks/list-query.ts) reads up to 1001 entries of the
 * user's tasks in the listed projects. No index held both columns, so it read a bitmap of the
 * whole project and then the heap rows: 1.1–1.5 ms for a 10k-task account, three times the page
 * it accompanies. This index answers it index-only, the list filters on `completed` and
 * `parent_id` included: 0.24–0.39 ms (EXPLAIN ANALYZE: `node --import tsx bench/explain-lists.ts`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS tasks_user_project ON tasks (user_id, project_id) INCLUDE (completed, parent_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS tasks_user_project`.execute(db);
}
