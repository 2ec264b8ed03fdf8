import { sql, type Kysely } from 'kysely';

/**
 * Each task row keeps its API representation as JSON text, rendered by a trigger on every insert
 * and update (whoever writes: the service, a restore, a foreign key's SET NULL), so a page of
 * tasks is read, not rendered: rendering in the page query cost PostgreSQL 15–25 µs a row, i.e.
 * about 1 ms of a 50-task page, on every read; once per write it costs the same and no more.
 * The subtask counts change without the row, so the page adds them (src/tasks/task-json.ts);
 * `rendered` ends with `"assignee_id":…}`. The fields and formats are mapper.ts `toTask`'s, in
 * the order of the Task schema; test/task-json.test.ts holds the two to the same output.
 * A change of the representation is a new migration that replaces render_task().
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS rendered text`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION render_task() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.rendered := (SELECT row_to_json(r)::text FROM (SELECT
        NEW.id AS id, NEW.user_id AS user_id, NEW.title AS title, NEW.description AS description,
        NEW.completed AS completed,
        CASE WHEN NEW.completed THEN 'completed' ELSE 'pending' END AS status,
        to_char(NEW.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS completed_at,
        COALESCE((ARRAY['none','low','medium','high','urgent'])[NEW.priority + 1], 'none') AS priority,
        NEW.tags AS tags,
        to_char(NEW.due_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS due_date,
        NEW.timezone AS timezone, NEW.reminders AS reminders, NEW.recurrence AS recurrence,
        CASE WHEN NEW.recurrence_basis = 'completion' THEN 'completion' ELSE 'due_date' END AS recurrence_basis,
        NEW.series_id AS series_id,
        to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
        to_char(NEW.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at,
        NEW.version AS version, NEW.project_id AS project_id, NEW.parent_id AS parent_id,
        NEW.position AS position, NEW.assignee_id AS assignee_id) r);
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE OR REPLACE TRIGGER tasks_render BEFORE INSERT OR UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION render_task()`.execute(
    db,
  );
  await sql`UPDATE tasks SET rendered = NULL`.execute(db); // the trigger renders every existing row
  await sql`ALTER TABLE tasks ALTER COLUMN rendered SET NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS tasks_render ON tasks`.execute(db);
  await sql`DROP FUNCTION IF EXISTS render_task()`.execute(db);
  await sql`ALTER TABLE tasks DROP COLUMN IF EXISTS rendered`.execute(db);
}
