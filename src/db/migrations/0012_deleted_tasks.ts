import { sql, type Kysely } from 'kysely';

/**
 * Deleted tasks, kept for a grace period so that a deletion can be undone: the same
 * task comes back — its id, its history, its subtasks. One row per deleted task:
 * - `data`: the whole `tasks` row as JSON, restored with jsonb_populate_record, so a column added
 *   to `tasks` later needs nothing here;
 * - `root_id`: the task whose deletion was asked for (restoring it restores every task deleted
 *   with it), `depth`: the level below it (1: itself), so parents are restored first;
 * - `project_id`: who may restore it (the project's editors), and it goes with its project.
 * Rows older than the grace period are removed by later deletions (src/tasks/trash.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE deleted_tasks (
      task_id integer PRIMARY KEY,
      root_id integer NOT NULL,
      depth integer NOT NULL,
      project_id integer NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      deleted_by text NOT NULL,
      deleted_at timestamptz NOT NULL,
      data jsonb NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX deleted_tasks_root ON deleted_tasks (root_id)`.execute(db);
  await sql`CREATE INDEX deleted_tasks_deleted_at ON deleted_tasks (deleted_at)`.execute(db);
  await sql`CREATE INDEX deleted_tasks_project ON deleted_tasks (project_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS deleted_tasks`.execute(db);
}
