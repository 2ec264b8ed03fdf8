import { sql, type Kysely } from 'kysely';

/**
 * Keyword search is always within one user's tasks (`user_id = $1 AND text ILIKE '%q%'`). Without
 * an index it filters every task of the user (30k tasks: every row read and matched per query).
 * One GIN index over (user_id, text trigrams) answers both conditions together: the scan
 * intersects the user's posting list with the posting lists of the word's trigrams, so its cost
 * follows the matches, not the user's list or the whole table (0003 dropped the global trigram
 * index because the planner ANDed it with the user's btree: it read every user's matches).
 * btree_gin supplies the GIN operator class for the plain `user_id` column.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS btree_gin`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS tasks_user_text_trgm ON tasks USING gin (user_id, (title || ' ' || description) gin_trgm_ops)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS tasks_user_text_trgm`.execute(db);
}
