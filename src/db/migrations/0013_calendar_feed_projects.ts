import { sql, type Kysely } from 'kysely';

/**
 * Calendar feeds of one project, and feed URLs their owner can see again (the web app's
 * Integrations screen).
 *
 * - `project_id`: a feed of one project's tasks, for any member (null: the user's feed of every
 *   task they see). One feed per user and project and one without: two partial unique indexes in
 *   place of the primary key on `user_id`. A deleted project takes its feeds along.
 * - `url_seed`: the URL's token is HMAC(a key derived from AUTH_SECRET, seed). The service can
 *   show the URL again while the database keeps only the token's hash: a copy of the database
 *   alone rebuilds no URL. Feeds made before this migration have none: their URL works until it is
 *   rotated, but cannot be shown again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE calendar_feeds DROP CONSTRAINT calendar_feeds_pkey`.execute(db);
  await sql`
    ALTER TABLE calendar_feeds
      ADD COLUMN id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      ADD COLUMN project_id integer REFERENCES projects(id) ON DELETE CASCADE,
      ADD COLUMN url_seed text`.execute(db);
  await sql`CREATE UNIQUE INDEX calendar_feeds_user ON calendar_feeds (user_id) WHERE project_id IS NULL`.execute(db);
  await sql`
    CREATE UNIQUE INDEX calendar_feeds_user_project ON calendar_feeds (user_id, project_id)
    WHERE project_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM calendar_feeds WHERE project_id IS NOT NULL`.execute(db);
  await sql`DROP INDEX IF EXISTS calendar_feeds_user_project`.execute(db);
  await sql`DROP INDEX IF EXISTS calendar_feeds_user`.execute(db);
  await sql`ALTER TABLE calendar_feeds DROP COLUMN id, DROP COLUMN project_id, DROP COLUMN url_seed`.execute(db);
  await sql`ALTER TABLE calendar_feeds ADD PRIMARY KEY (user_id)`.execute(db);
}
