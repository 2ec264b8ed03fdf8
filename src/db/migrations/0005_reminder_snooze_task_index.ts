import { sql, type Kysely } from 'kysely';

/**
 * 0005 replaced the UNIQUE (task_id, remind_at) constraint with a partial index (snooze rows
 * excluded), which left no index that every lookup by task can use: completing a task deletes
 * ALL its unfired reminders (snoozes included) and deleting a task cascades to its reminders, and
 * both scanned the whole table — ~1 ms per completion at 100k tasks, most of a completion's
 * database time. Named to sort right after 0005, before the migrations of parallel branches.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS reminders_task ON reminders (task_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS reminders_task`.execute(db);
}
