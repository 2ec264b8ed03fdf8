/**
 * Bulk data through the app's own database (the migrated schema, PGlite or PostgreSQL): one
 * INSERT … SELECT generate_series per chunk, so 100k realistic tasks take seconds, not the
 * minutes 100k API calls would. The rows look like the API's: titles and descriptions made of
 * words, lower-case unique tags, priorities, due dates around now, recurring series, relative
 * reminders and their derived `reminders` rows (past ones already fired).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../src/db/types.js';
import { FILLER, NOUNS, TAGS, VERBS, ZONES } from './words.js';

const SAFE = /^[\w./-]+$/;

/** A text[] literal of known-safe words (never user input). */
function textArray(items: readonly string[]): RawBuilder<unknown> {
  for (const i of items) if (!SAFE.test(i)) throw new Error(`unsafe literal ${i}`);
  return sql.raw(`ARRAY[${items.map((i) => `'${i}'`).join(',')}]::text[]`);
}

export interface TaskProfile {
  /** share of tasks with a due date */
  dueShare: number;
  /** due dates are spread over [now + dueFromDays, now + dueToDays] */
  dueFromDays: number;
  dueToDays: number;
  /** share of tasks (with a due date) that have a relative reminder */
  reminderShare: number;
  completedShare: number;
  recurringShare: number;
  /** description length in words: minWords + (task % spreadWords) */
  minWords: number;
  spreadWords: number;
}

/** Like a real user's list: most tasks dated, a third done, some recurring, descriptions of 6–30 words. */
export const REALISTIC: TaskProfile = {
  dueShare: 0.75,
  dueFromDays: -30,
  dueToDays: 60,
  reminderShare: 0.4,
  completedShare: 0.3,
  recurringShare: 0.08,
  minWords: 6,
  spreadWords: 25,
};

/** For the reminder-selection benchmark: every open task dated over the next year with a reminder; short texts. */
export const REMINDER_HEAVY: TaskProfile = {
  dueShare: 1,
  dueFromDays: -7,
  dueToDays: 365,
  reminderShare: 1,
  completedShare: 0.1,
  recurringShare: 0.05,
  minWords: 0,
  spreadWords: 4,
};

export async function seedUsers(db: Db, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    await db
      .insertInto('users')
      .values(chunk.map((id) => ({ id, email: null, name: `Bench ${id}`, password_hash: null, timezone: null })))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
  // each user's Inbox (registration makes it; these users do not register)
  await sql`
    INSERT INTO projects (owner_id, name, position, inbox)
    SELECT id, 'Inbox', 'a0', true FROM users WHERE id = ANY(${sql.val([...ids])}::text[])
    ON CONFLICT (owner_id) WHERE inbox DO NOTHING`.execute(db);
}

/** A fractional-indexing integer key ("d" + 4 base-62 digits, as migration 0006 gives) for the number `n` (< 62^4). */
function positionKey(n: RawBuilder<unknown>): RawBuilder<unknown> {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const digit = (p: number) => sql`substr(${digits}, ((${n}) / ${62 ** p} % 62)::int + 1, 1)`;
  return sql`('d' || ${digit(3)} || ${digit(2)} || ${digit(1)} || ${digit(0)})`;
}

/**
 * Inserts `count` tasks spread round-robin over `userIds` (in chunks), then derives their
 * reminder rows. Deterministic contents for a given seed (setseed), except ids and uuids.
 */
export async function seedTasks(
  db: Db,
  o: {
    userIds: readonly string[];
    count: number;
    profile: TaskProfile;
    seed?: number;
    chunk?: number;
    onProgress?: (done: number) => void;
  },
): Promise<void> {
  const p = o.profile;
  const users = textArray(o.userIds);
  const chunk = o.chunk ?? 20_000;
  await sql`SELECT setseed(${o.seed ?? 0.42})`.execute(db);
  const firstNew = await maxTaskId(db);
  for (let from = 1; from <= o.count; from += chunk) {
    const to = Math.min(o.count, from + chunk - 1);
    await sql`
      INSERT INTO tasks (user_id, title, description, completed, completed_at, priority, tags, due_date, timezone,
                         reminders, recurrence, recurrence_basis, series_id, series_start, series_index,
                         created_at, updated_at, version, project_id, position)
      SELECT x.user_id, x.title, x.description, x.completed,
             CASE WHEN x.completed THEN x.created_at + x.r_done * interval '20 days' END,
             x.priority, x.tags, x.due_date, x.zone,
             CASE WHEN x.due_date IS NOT NULL AND x.r_rem < ${p.reminderShare}
                  THEN jsonb_build_array(jsonb_build_object('before_minutes', (ARRAY[10, 15, 30, 60, 1440])[1 + floor(x.r_before * 5)::int]))
                  ELSE '[]'::jsonb END,
             x.recurrence, 'due_date',
             CASE WHEN x.recurrence IS NOT NULL THEN gen_random_uuid() END,
             CASE WHEN x.recurrence IS NOT NULL THEN x.due_date END,
             0, x.created_at, x.created_at + x.r_upd * interval '3 days', 1,
             (SELECT p.id FROM projects p WHERE p.owner_id = x.user_id AND p.inbox), ${positionKey(sql`x.g`)}
      FROM (
        SELECT s.*,
               CASE WHEN s.due_date IS NOT NULL AND s.r_rec < ${p.recurringShare}
                    THEN (ARRAY['daily', 'weekly', 'monthly', 'FREQ=WEEKLY;BYDAY=MO,WE,FR', 'yearly'])[1 + floor(s.r_rule * 5)::int] END AS recurrence
        FROM (
          SELECT
            g,
            (${users})[1 + (g % ${o.userIds.length})] AS user_id,
            initcap((${textArray(VERBS)})[1 + floor(random() * ${VERBS.length})::int]) || ' ' ||
              (${textArray(NOUNS)})[1 + floor(random() * ${NOUNS.length})::int] ||
              CASE WHEN random() < 0.5 THEN ' ' || (${textArray(NOUNS)})[1 + floor(random() * ${NOUNS.length})::int] ELSE '' END AS title,
            coalesce((SELECT string_agg(CASE WHEN random() < 0.3 THEN (${textArray(NOUNS)})[1 + floor(random() * ${NOUNS.length})::int]
                                             ELSE (${textArray(FILLER)})[1 + floor(random() * ${FILLER.length})::int] END, ' ')
                      FROM generate_series(1, ${p.minWords} + (g % ${p.spreadWords}))), '') AS description,
            random() < ${p.completedShare} AS completed,
            floor(random() * 5)::smallint AS priority,
            coalesce((SELECT array_agg(DISTINCT (${textArray(TAGS)})[1 + floor(random() * ${TAGS.length})::int])
                      FROM generate_series(1, g % 4)), '{}') AS tags,
            CASE WHEN random() < ${p.dueShare}
                 THEN date_trunc('minute', now() + (${p.dueFromDays} + random() * ${p.dueToDays - p.dueFromDays}) * interval '1 day') END AS due_date,
            (${textArray(ZONES)})[1 + (g % ${ZONES.length})] AS zone,
            date_trunc('milliseconds', now() - random() * interval '120 days') AS created_at,
            random() AS r_done, random() AS r_rem, random() AS r_before, random() AS r_rec, random() AS r_rule, random() AS r_upd
          FROM generate_series(${from}::int, ${to}::int) g
        ) s
      ) x`.execute(db);
    o.onProgress?.(to);
  }
  // the derived rows TaskService keeps in sync: one per reminder of an open task; past ones already fired
  await sql`
    INSERT INTO reminders (task_id, user_id, remind_at, fired_at)
    SELECT t.id, t.user_id, r.at, CASE WHEN r.at <= now() THEN r.at END
    FROM tasks t
    CROSS JOIN LATERAL (SELECT t.due_date - ((t.reminders -> 0 ->> 'before_minutes')::int * interval '1 minute') AS at) r
    WHERE t.id > ${firstNew} AND NOT t.completed AND t.due_date IS NOT NULL AND jsonb_array_length(t.reminders) > 0
    ON CONFLICT (task_id, remind_at) WHERE snooze_of IS NULL DO NOTHING`.execute(db);
}

export async function maxTaskId(db: Db): Promise<number> {
  const r = await sql<{ m: number | null }>`SELECT max(id) AS m FROM tasks`.execute(db);
  return Number(r.rows[0]?.m ?? 0);
}

/**
 * Statistics and the visibility map, as a table in service has them from autovacuum. Right after a
 * bulk load index-only scans still visit the heap until autovacuum happens to run, which made the
 * 10k-task list page cost PostgreSQL 2.9-3.3 ms of CPU instead of 1.2 (the capped count is
 * index-only), depending on when the run started.
 */
export async function analyze(db: Db): Promise<void> {
  await sql`VACUUM (ANALYZE)`.execute(db);
}
