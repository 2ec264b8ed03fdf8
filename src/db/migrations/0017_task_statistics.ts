import { sql, type Kysely } from 'kysely';

/**
 * A task's project says whose it is: nearly every task of a project has the project owner's
 * user_id. Without being told, the planner multiplies the two conditions' selectivities, expects
 * ~130 of a 10k-task account's 1,772 open tasks due today in its Inbox, and reads and sorts all
 * 1,772 (5.2 ms) instead of walking tasks_user_open_due in order and stopping at 51 (1.8 ms).
 * Functional-dependency statistics correct the estimate (ANALYZE fills them).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE STATISTICS IF NOT EXISTS tasks_user_project_dependency (dependencies) ON user_id, project_id FROM tasks`.execute(db);
  await sql`ANALYZE tasks`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP STATISTICS IF EXISTS tasks_user_project_dependency`.execute(db);
}
