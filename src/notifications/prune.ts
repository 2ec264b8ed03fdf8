/**
 * Notifications per user: an inbox keeps `keep` entries. Past that, what a user
 * would miss least goes first: the oldest read ones; only an inbox of `keep` unread entries loses
 * its oldest unread ones. Without a bound, a task with ten reminders recurring hourly fills the
 * table for ever.
 *
 * In PostgreSQL, after each insert batch, for the users in it: the bound holds across processes.
 * A user below the bound costs one index range scan of their own inbox.
 */
import { sql } from 'kysely';
import type { Db } from '../db/types.js';

export async function pruneInbox(db: Db, userIds: string[], keep: number): Promise<number> {
  if (!userIds.length) return 0;
  const result = await sql`
    DELETE FROM notifications WHERE id IN (
      SELECT id FROM (
        SELECT id, row_number() OVER (PARTITION BY user_id ORDER BY (read_at IS NULL) DESC, created_at DESC, id) AS n
        FROM notifications WHERE user_id = ANY(${userIds}::text[])
      ) ranked WHERE n > ${keep})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
