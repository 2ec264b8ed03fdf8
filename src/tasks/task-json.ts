/**
 * The API's task representation rendered by PostgreSQL, for pages of tasks: the rows never become
 * JavaScript objects, so a 50-task page costs Node one short string per task instead of parsing
 * 24 columns (dates, arrays, JSON) into objects and serialising them again. mapper.ts `toTask`
 * renders single tasks; test/task-json.test.ts holds the two to the same output.
 */
import { sql, type RawBuilder } from 'kysely';
import { PRIORITIES } from './priorities.js';

/** `Date.toISOString()`'s shape (milliseconds, UTC, `Z`); timestamps are stored in years 1900–2200. */
export const isoTimestamp = (column: string): RawBuilder<string | null> =>
  sql`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const priorityNames = sql.raw(`ARRAY[${PRIORITIES.map((p) => `'${p}'`).join(',')}]`);

/**
 * One task of the `tasks` table as JSON text, with its direct subtasks counted; the fields in
 * the order of the Task schema. row_to_json writes compact JSON (json_build_object would put
 * spaces around every colon).
 */
export const taskJson: RawBuilder<string> = sql`(SELECT row_to_json(r)::text FROM (SELECT
    tasks.id, tasks.user_id, tasks.title, tasks.description, tasks.completed,
    CASE WHEN tasks.completed THEN 'completed' ELSE 'pending' END AS status,
    ${isoTimestamp('tasks.completed_at')} AS completed_at,
    COALESCE((${priorityNames})[tasks.priority + 1], 'none') AS priority,
    tasks.tags,
    ${isoTimestamp('tasks.due_date')} AS due_date,
    tasks.timezone, tasks.reminders, tasks.recurrence,
    CASE WHEN tasks.recurrence_basis = 'completion' THEN 'completion' ELSE 'due_date' END AS recurrence_basis,
    tasks.series_id,
    ${isoTimestamp('tasks.created_at')} AS created_at,
    ${isoTimestamp('tasks.updated_at')} AS updated_at,
    tasks.version, tasks.project_id, tasks.parent_id, tasks.position, tasks.assignee_id,
    c.n AS subtask_count, c.done AS completed_subtask_count
  FROM (SELECT count(*)::int AS n, (count(*) FILTER (WHERE s.completed))::int AS done FROM tasks s WHERE s.parent_id = tasks.id) c
) r)`;
