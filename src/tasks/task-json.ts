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
 * One task of the `tasks` table as JSON text comes in two columns: the row's `rendered`
 * representation (kept by a trigger, migration 0016) and the rest of the object, its direct subtasks
 * counted (an index-only probe of tasks_parent_position): the two fields that change without the
 * row. `taskText` joins them. Node drops the closing brace, not PostgreSQL: `left(rendered, -1)`
 * counts the characters of the UTF-8 text and cost 0.26 ms of the 50-task page's 1.1.
 */
export const taskColumns: RawBuilder<{ json: string; counts: string }> = sql`tasks.rendered AS json,
  (SELECT ',"subtask_count":' || count(*) || ',"completed_subtask_count":' || count(*) FILTER (WHERE s.completed) || '}'
    FROM tasks s WHERE s.parent_id = tasks.id) AS counts`;

export const taskText = (row: { json: string; counts: string }): string => row.json.slice(0, -1) + row.counts;
