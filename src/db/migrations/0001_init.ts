import { sql, type Kysely } from 'kysely';

/** Initial schema. Indexes are chosen for the hot paths at a million tasks:
 *  listing/filtering per user, keyword search (trigram), tag filters (GIN), due-reminder
 *  selection (partial index on unfired reminders) and the outbox relay (partial index on unpublished rows). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
  await sql`
    CREATE TABLE users (
      id text PRIMARY KEY,
      email text UNIQUE,
      name text,
      password_hash text,
      timezone text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE tasks (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id text NOT NULL REFERENCES users(id),
      title text NOT NULL,
      description text NOT NULL DEFAULT '',
      completed boolean NOT NULL DEFAULT false,
      completed_at timestamptz,
      priority smallint NOT NULL DEFAULT 0,
      tags text[] NOT NULL DEFAULT '{}',
      due_date timestamptz,
      timezone text NOT NULL,
      reminders jsonb NOT NULL DEFAULT '[]',
      recurrence text,
      recurrence_basis text NOT NULL DEFAULT 'due_date',
      series_id uuid,
      series_start timestamptz,
      series_index integer NOT NULL DEFAULT 0,
      spawned_from integer UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1
    )`.execute(db);
  await sql`CREATE INDEX tasks_user_created ON tasks (user_id, created_at, id)`.execute(db);
  await sql`CREATE INDEX tasks_user_due ON tasks (user_id, due_date, id)`.execute(db);
  await sql`CREATE INDEX tasks_user_priority ON tasks (user_id, priority, id)`.execute(db);
  await sql`CREATE INDEX tasks_user_updated ON tasks (user_id, updated_at, id)`.execute(db);
  await sql`CREATE INDEX tasks_tags ON tasks USING gin (tags)`.execute(db);
  await sql`CREATE INDEX tasks_text_trgm ON tasks USING gin ((title || ' ' || description) gin_trgm_ops)`.execute(db);

  await sql`
    CREATE TABLE reminders (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      task_id integer NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
      user_id text NOT NULL,
      remind_at timestamptz NOT NULL,
      fired_at timestamptz,
      UNIQUE (task_id, remind_at)
    )`.execute(db);
  await sql`CREATE INDEX reminders_due ON reminders (remind_at) WHERE fired_at IS NULL`.execute(db);

  await sql`
    CREATE TABLE outbox (
      seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      topic text NOT NULL,
      key text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX outbox_pending ON outbox (seq) WHERE published_at IS NULL`.execute(db);

  await sql`
    CREATE TABLE task_history (
      event_id uuid PRIMARY KEY,
      task_id integer NOT NULL,
      user_id text NOT NULL,
      event_type text NOT NULL,
      occurred_at timestamptz NOT NULL,
      data jsonb NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX task_history_task ON task_history (task_id, occurred_at)`.execute(db);

  await sql`
    CREATE TABLE notifications (
      id uuid PRIMARY KEY,
      user_id text NOT NULL,
      task_id integer NOT NULL,
      type text NOT NULL,
      title text NOT NULL,
      body text NOT NULL,
      due_date timestamptz,
      remind_at timestamptz NOT NULL,
      late boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      read_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX notifications_user ON notifications (user_id, created_at DESC)`.execute(db);

  await sql`
    CREATE TABLE dead_letters (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      topic text NOT NULL,
      consumer text NOT NULL,
      payload jsonb NOT NULL,
      error text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE leases (
      name text PRIMARY KEY,
      holder text NOT NULL,
      expires_at timestamptz NOT NULL
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['leases', 'dead_letters', 'notifications', 'task_history', 'outbox', 'reminders', 'tasks', 'users']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(t)}`.execute(db);
  }
}
