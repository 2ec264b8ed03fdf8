import { sql, type Kysely } from 'kysely';

/**
 * Dedupe ledger of consumers whose effect can later be undone by the user (the recurring-task
 * consumer: a spawned occurrence may be deleted). A row is written in the same transaction as the
 * effect, so a redelivered event finds it even when the effect itself is gone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE consumed_events (
      consumer text NOT NULL,
      event_id uuid NOT NULL,
      consumed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS consumed_events`.execute(db);
}
