import { sql, type Kysely } from 'kysely';

/**
 * Sharing.
 * - `project_members`: who besides the owner sees a project, as editor or viewer; cascades with
 *   the project. Looked up by user (which projects are shared with me) and by project.
 * - `projects.mixed`: the project may hold tasks whose creator (`tasks.user_id`) is not its owner
 *   (it was shared once, or such a task moved in). Set, never cleared: a list query reads the
 *   owner's never-mixed projects through the `user_id`-led indexes, which stay exact for them.
 * - `tasks.assignee_id`: a member of the task's project, or null.
 * - `notifications.task_id` nullable: a `shared` notification is about a project.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE project_members (
      project_id integer NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('editor', 'viewer')),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, user_id)
    )`.execute(db);
  await sql`CREATE INDEX project_members_user ON project_members (user_id, project_id)`.execute(db);
  await sql`ALTER TABLE projects ADD COLUMN mixed boolean NOT NULL DEFAULT false`.execute(db);
  await sql`ALTER TABLE tasks ADD COLUMN assignee_id text REFERENCES users(id) ON DELETE SET NULL`.execute(db);
  await sql`CREATE INDEX tasks_assignee ON tasks (assignee_id, project_id) WHERE assignee_id IS NOT NULL`.execute(db);
  // a `shared` notification concerns no task (0008 does the same for webhook_disabled; either may run first)
  await sql`ALTER TABLE notifications ALTER COLUMN task_id DROP NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS tasks_assignee`.execute(db);
  await sql`ALTER TABLE tasks DROP COLUMN IF EXISTS assignee_id`.execute(db);
  await sql`ALTER TABLE projects DROP COLUMN IF EXISTS mixed`.execute(db);
  await sql`DROP TABLE IF EXISTS project_members`.execute(db);
}
