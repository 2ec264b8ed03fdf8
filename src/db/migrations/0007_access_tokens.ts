import { sql, type Kysely } from 'kysely';

/**
 * Personal access tokens: only the SHA-256 of the secret is stored (the secret is 256
 * random bits, so a fast hash is enough: nothing to brute-force), looked up by that hash on every
 * request. A revoked token is a deleted row, so the next request with it finds nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE access_tokens (
      id uuid PRIMARY KEY,
      user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      name text NOT NULL,
      token_hash bytea NOT NULL UNIQUE,
      hint text NOT NULL,
      scopes text[] NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz,
      last_used_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX access_tokens_user ON access_tokens (user_id, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS access_tokens`.execute(db);
}
