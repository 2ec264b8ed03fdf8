import { sql, type Kysely } from 'kysely';

/**
 * Projects, subtasks and manual order.
 *
 * - `projects`: one Inbox per user (`inbox`, at most one per owner: the partial unique index is
 *   what lets the Inbox be created lazily with INSERT … ON CONFLICT for users of an external
 *   identity provider, who have no registration).
 * - `tasks.project_id` (NOT NULL after the backfill), `tasks.parent_id` (a subtask; same project,
 *   checked by the service, as is the depth), `tasks.position`: a fractional-index key (the
 *   `fractional-indexing` package's format), compared byte-wise, hence COLLATE "C": a move writes
 *   one row and never renumbers its siblings.
 * - `users.week_start`.
 *
 * Every existing user gets an Inbox and all their tasks move into it, ordered as they were
 * created: position i is the integer key "d" + i in 4 base-62 digits (the library's key for an
 * integer part of 4 digits: 14.7M keys per user, above LIMIT_TASKS), so the keys are valid for
 * the library's later `generateKeyBetween` calls.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE projects (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      owner_id text NOT NULL REFERENCES users(id),
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
      color text NOT NULL DEFAULT '#808080' CHECK (color ~ '^#[0-9a-f]{6}$'),
      position text COLLATE "C" NOT NULL,
      archived boolean NOT NULL DEFAULT false,
      inbox boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1,
      CHECK (NOT (inbox AND archived))
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX projects_one_inbox ON projects (owner_id) WHERE inbox`.execute(db);
  await sql`CREATE INDEX projects_owner_position ON projects (owner_id, position, id)`.execute(db);

  await sql`ALTER TABLE users ADD COLUMN week_start text`.execute(db);
  await sql`
    ALTER TABLE tasks
      ADD COLUMN project_id integer REFERENCES projects(id),
      ADD COLUMN parent_id integer REFERENCES tasks(id),
      ADD COLUMN position text COLLATE "C",
      ADD CONSTRAINT tasks_parent_not_self CHECK (parent_id <> id)`.execute(db);

  await sql`
    INSERT INTO projects (owner_id, name, position, inbox, created_at, updated_at)
    SELECT id, 'Inbox', 'a0', true, now(), now() FROM users`.execute(db);
  await sql`
    UPDATE tasks t SET project_id = o.project_id, position = o.position
    FROM (
      SELECT t2.id, p.id AS project_id, ${integerKey(sql`row_number() OVER (PARTITION BY t2.user_id ORDER BY t2.created_at, t2.id) - 1`)} AS position
      FROM tasks t2 JOIN projects p ON p.owner_id = t2.user_id AND p.inbox
    ) o
    WHERE t.id = o.id`.execute(db);
  await sql`ALTER TABLE tasks ALTER COLUMN project_id SET NOT NULL, ALTER COLUMN position SET NOT NULL`.execute(db);

  // a project page in manual order (project_id, position), the children of a task in order and
  // its subtask counts (parent_id), Today/Upcoming and overdue (open tasks by due date)
  await sql`CREATE INDEX tasks_project_position ON tasks (project_id, position, id)`.execute(db);
  await sql`CREATE INDEX tasks_parent_position ON tasks (parent_id, position, id) INCLUDE (completed) WHERE parent_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX tasks_user_open_due ON tasks (user_id, due_date, id) WHERE completed = false`.execute(db);
}

/** The fractional-indexing integer key "d" + n in 4 base-62 digits, for 0 ≤ n < 62^4. */
function integerKey(n: ReturnType<typeof sql>) {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const digit = (power: number) => sql`substr(${digits}, ((${n}) / ${62 ** power} % 62)::int + 1, 1)`;
  return sql`('d' || ${digit(3)} || ${digit(2)} || ${digit(1)} || ${digit(0)}) COLLATE "C"`;
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS tasks_user_open_due`.execute(db);
  await sql`ALTER TABLE tasks DROP COLUMN position, DROP COLUMN parent_id, DROP COLUMN project_id`.execute(db);
  await sql`ALTER TABLE users DROP COLUMN week_start`.execute(db);
  await sql`DROP TABLE projects`.execute(db);
}
