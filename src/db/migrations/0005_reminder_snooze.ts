import { sql, type Kysely } from 'kysely';

/**
 * Snooze: a snoozed notification becomes a reminder row like any other, so it survives
 * restarts and the same scanner, clock and SKIP LOCKED claim fire it. `snooze_of` names the
 * notification it re-fires: UNIQUE, so a notification has at most one re-fire (a later snooze
 * moves it), and task edits — which replace the task's derived reminders — leave it alone.
 * The derived reminders keep their one-row-per-instant rule, now only among themselves: a snooze
 * may land on the same instant as a derived reminder.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE reminders ADD COLUMN snooze_of uuid`.execute(db);
  await sql`ALTER TABLE reminders DROP CONSTRAINT reminders_task_id_remind_at_key`.execute(db);
  await sql`CREATE UNIQUE INDEX reminders_task_at ON reminders (task_id, remind_at) WHERE snooze_of IS NULL`.execute(db);
  await sql`CREATE UNIQUE INDEX reminders_snooze_of ON reminders (snooze_of)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM reminders WHERE snooze_of IS NOT NULL`.execute(db);
  await sql`DROP INDEX IF EXISTS reminders_snooze_of`.execute(db);
  await sql`DROP INDEX IF EXISTS reminders_task_at`.execute(db);
  await sql`ALTER TABLE reminders ADD CONSTRAINT reminders_task_id_remind_at_key UNIQUE (task_id, remind_at)`.execute(db);
  await sql`ALTER TABLE reminders DROP COLUMN snooze_of`.execute(db);
}
