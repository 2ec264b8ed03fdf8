import { sql, type Kysely } from 'kysely';

/**
 * Keyword search is always within one user's tasks (`user_id = $1 AND text ILIKE '%q%'`). With
 * the trigram index over every user's text, the planner ANDed it with the user index: the
 * trigram side reads every task of every user that contains the word (7.5k rows for "report"
 * at 100k tasks, 75k at 1M), so a search cost grew with the whole table — 6-7 ms per query in
 * PGlite at 100k tasks, twice per list request — instead of with the user's own list (~0.3 ms
 * to filter 100 rows). Every insert and text update also paid for maintaining it.
 * (bench/: list_search; EXPLAIN ANALYZE in BENCHMARKS.md.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS tasks_text_trgm`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS tasks_text_trgm ON tasks USING gin ((title || ' ' || description) gin_trgm_ops)`.execute(db);
}
