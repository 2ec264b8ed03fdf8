/**
 * Migration 0013 on a database WITH calendar feeds: a feed made under the schema before it keeps
 * its URL (the token's hash is all that was stored), can still be rotated, and is shown without a
 * URL (it has no seed to derive one from); one feed per user is still unique; down and up again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { sql } from 'kysely';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { openDatabase } from '../src/db/connect.js';
import { MIGRATION_NAMES, migrateTo, migrateToLatest } from '../src/db/migrate.js';
import { isUniqueViolation } from '../src/db/errors.js';
import { client, startApp, type TestApp } from './support/app.js';
import { authSecret, nowSeconds, signToken } from './support/util.js';

const BEFORE = MIGRATION_NAMES[MIGRATION_NAMES.indexOf('0013_calendar_feed_projects') - 1]!;
const token = randomBytes(32).toString('base64url');
let dataDir: string;
let app: TestApp | undefined;

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'taskstream-migration-feeds-'));
});
after(async () => {
  await app?.close({ keepData: true });
  await rm(dataDir, { recursive: true, force: true });
});

test('an existing feed survives the migration: same row, no project, no seed; still one feed per user', async () => {
  const server = await startEmbeddedPostgres(dataDir, pino({ level: 'silent' }));
  const { db, close } = await openDatabase({ url: server.url });
  try {
    await migrateTo(db, BEFORE);
    await sql`INSERT INTO users (id, email, name, timezone) VALUES ('old', 'old@example.com', 'Old', 'UTC')`.execute(db);
    const hash = createHash('sha256').update(token).digest('hex');
    await sql`INSERT INTO calendar_feeds (user_id, token_hash) VALUES ('old', ${hash})`.execute(db);
    assert.ok((await migrateToLatest(db)).includes('0013_calendar_feed_projects'));
    const rows = await db.selectFrom('calendar_feeds').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.deepEqual([rows[0]!.user_id, rows[0]!.project_id, rows[0]!.url_seed, rows[0]!.token_hash], ['old', null, null, hash]);
    await assert.rejects(
      sql`INSERT INTO calendar_feeds (user_id, token_hash) VALUES ('old', 'another')`.execute(db),
      (err: unknown) => isUniqueViolation(err),
      'still one feed of every task per user',
    );
    // down and up again on the same data
    await migrateTo(db, BEFORE);
    const { rows: pk } = await sql<{ column_name: string }>`
      SELECT a.attname AS column_name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = 'calendar_feeds'::regclass AND i.indisprimary`.execute(db);
    assert.deepEqual(
      pk.map((r) => r.column_name),
      ['user_id'],
    );
    await migrateToLatest(db);
  } finally {
    await close();
    await server.stop();
  }
});

test('the service on the migrated data: the old URL still works, is shown as null, and rotating gives one that is shown', async () => {
  app = await startApp({}, { dataDir });
  const secret = await authSecret(app);
  const login = await signToken(secret, { sub: 'old', iss: 'taskstream', aud: 'taskstream', iat: nowSeconds(), exp: nowSeconds() + 600 });
  const api = client(app.url, login);
  assert.equal((await fetch(`${app.url}/ical/${token}.ics`)).status, 200);
  const shown = await api.get('/api/old/calendar-feed');
  assert.equal(shown.status, 200, JSON.stringify(shown.body));
  assert.deepEqual([shown.body.project_id, shown.body.url, shown.body.path], [null, null, null]);
  const rotated = (await api.post('/api/old/calendar-feed')).body;
  assert.equal((await fetch(`${app.url}/ical/${token}.ics`)).status, 404, 'the old URL dies at the rotation');
  assert.equal((await fetch(app.url + rotated.path)).status, 200);
  assert.deepEqual((await api.get('/api/old/calendar-feeds')).body, [rotated]);
});
