/**
 * Pages of tasks as JSON text straight from PostgreSQL: the rows never become JavaScript objects,
 * so a 50-task page costs Node one string per task instead of parsing 24 columns (dates, arrays,
 * JSON) into objects and serialising them again. PostgreSQL renders each task once per write
 * (migration 0016); mapper.ts `toTask` renders single tasks, and test/task-json.test.ts holds the
 * two to the same output.
 */
import { sql, type RawBuilder } from 'kysely';

/** `Date.toISOString()`'s shape (milliseconds, UTC, `Z`); timestamps are stored in years 1900–2200. */
export const isoTimestamp = (column: string): RawBuilder<string | null> =>
  sql`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * One task of the `tasks` table as JSON text: the row's `rendered` representation (kept by a
 * trigger, migration 0016) with its direct subtasks counted, the two fields that change without
 * the row (an index-only probe of tasks_parent_position).
 */
export const taskJson: RawBuilder<string> = sql`(SELECT left(tasks.rendered, -1)
    || ',"subtask_count":' || count(*) || ',"completed_subtask_count":' || count(*) FILTER (WHERE s.completed) || '}'
  FROM tasks s WHERE s.parent_id = tasks.id)`;
