import { sql, type Kysely } from 'kysely';

/**
 * W3C trace context across the asynchronous hops (docs/observability.md): an outbox row keeps
 * the `traceparent` of the request that wrote it, so the relay's publish and every consumer
 * continue that trace; a reminder row keeps the one of the write that scheduled it, so the
 * firing links back to its cause. NULL when tracing is off. Adding a nullable column without a
 * default rewrites nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE outbox ADD COLUMN IF NOT EXISTS traceparent text`.execute(db);
  await sql`ALTER TABLE reminders ADD COLUMN IF NOT EXISTS traceparent text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE outbox DROP COLUMN IF EXISTS traceparent`.execute(db);
  await sql`ALTER TABLE reminders DROP COLUMN IF EXISTS traceparent`.execute(db);
}
