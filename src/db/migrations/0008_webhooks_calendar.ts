import { sql, type Kysely } from 'kysely';

/**
 * Webhooks and the calendar feed.
 *
 * - `webhooks`: a user's endpoints. The signing secret is kept as given (it must sign every
 *   delivery, so it cannot be hashed); it is shown to the user once, at creation.
 * - `webhook_deliveries`: one row per event × webhook, written by the consumer of `task-events`
 *   (UNIQUE (webhook_id, event_id): a redelivered event is a no-op). Pending deliveries are rows,
 *   not timers, so retries survive restarts; workers claim due rows with SKIP LOCKED and hold
 *   them by a lease (`next_attempt_at` moved past the send's timeout) rather than a transaction.
 * - `calendar_feeds`: one secret feed URL per user; only the token's SHA-256 is stored, and
 *   rotating it replaces the row, so the old URL stops working at once.
 * - `notifications.task_id` becomes nullable: a notification about a webhook concerns no task.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE webhooks (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      url text NOT NULL,
      events text[] NOT NULL,
      secret text NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      consecutive_failures integer NOT NULL DEFAULT 0,
      disabled_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX webhooks_user ON webhooks (user_id, id)`.execute(db);

  await sql`
    CREATE TABLE webhook_deliveries (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      webhook_id integer NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
      user_id text NOT NULL,
      event_id uuid NOT NULL,
      event_type text NOT NULL,
      payload jsonb NOT NULL,
      status text NOT NULL DEFAULT 'pending',
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_attempt_at timestamptz,
      response_status integer,
      duration_ms integer,
      error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (webhook_id, event_id)
    )`.execute(db);
  // the claim: per webhook, its oldest due row (pending, or sending with an expired lease)
  await sql`
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, next_attempt_at, id)
    WHERE status IN ('pending', 'sending')`.execute(db);
  await sql`CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id DESC)`.execute(db);

  await sql`
    CREATE TABLE calendar_feeds (
      user_id text PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      token_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`ALTER TABLE notifications ALTER COLUMN task_id DROP NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM notifications WHERE task_id IS NULL`.execute(db);
  await sql`ALTER TABLE notifications ALTER COLUMN task_id SET NOT NULL`.execute(db);
  await sql`DROP TABLE IF EXISTS calendar_feeds`.execute(db);
  await sql`DROP TABLE IF EXISTS webhook_deliveries`.execute(db);
  await sql`DROP TABLE IF EXISTS webhooks`.execute(db);
}
