import { sql, type Kysely } from 'kysely';

/**
 * Sessions: refresh tokens, SSE tickets and login throttling live in PostgreSQL, so
 * every cluster worker and API replica sees the same ones. Secrets are stored as SHA-256 hashes:
 * they are random 256-bit values, so a slow hash would add nothing, and a leaked table is useless.
 *
 * A refresh token is used once: rotation marks it `used_at` and issues the next one of its
 * `family_id`; a second use of a used token is reuse (a stolen copy) and revokes the family.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE refresh_tokens (
      token_hash bytea PRIMARY KEY,
      family_id uuid NOT NULL,
      user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      revoked_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)`.execute(db);
  await sql`CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL`.execute(db);
  await sql`
    CREATE TABLE stream_tickets (
      ticket_hash bytea PRIMARY KEY,
      user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      expires_at timestamptz NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE login_throttle (
      key text PRIMARY KEY,
      attempts integer NOT NULL,
      window_start timestamptz NOT NULL,
      blocked_until timestamptz
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['login_throttle', 'stream_tickets', 'refresh_tokens']) await sql`DROP TABLE IF EXISTS ${sql.table(t)}`.execute(db);
}
