/**
 * Migration 0006 (projects and the Inbox) on a database WITH data: rows written by the 0005 schema, then the
 * migration, then the service on the same data folder. Every user gets one Inbox, their tasks
 * move into it in the order they were created, and the keys the migration wrote work with the
 * ones the service hands out afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { sql } from 'kysely';
import { generateKeyBetween } from 'fractional-indexing';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { openDatabase } from '../src/db/connect.js';
import type { Db } from '../src/db/types.js';
import { MIGRATION_NAMES, migrateTo, migrateToLatest } from '../src/db/migrate.js';
import { client, startApp, type TestApp } from './support/app.js';
import { authSecret, nowSeconds, signToken } from './support/util.js';

let dataDir: string;
let app: TestApp | undefined;
/** the migrated database, before the service opens it */
let migrated: { db: Db; close: () => Promise<void>; server: { stop(): Promise<void> } };
/** task ids of user 'heavy' in creation order (not id order: created_at is set out of order) */
const heavyInOrder: number[] = [];

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'taskstream-migration-'));
  const server = await startEmbeddedPostgres(dataDir, pino({ level: 'silent' }));
  const { db, close } = await openDatabase({ url: server.url });
  try {
    // the schema just before 0006 (what a database had when this migration first ran on it)
    await migrateTo(db, MIGRATION_NAMES[MIGRATION_NAMES.indexOf('0006_projects') - 1]!);
    await sql`INSERT INTO users (id, email, name, timezone) VALUES
      ('heavy', 'heavy@example.com', 'Heavy', 'Europe/Berlin'), ('light', NULL, NULL, NULL), ('empty', NULL, NULL, NULL)`.execute(db);
    // 70 tasks (more than one base-62 digit of keys), created_at running backwards against the ids
    const { rows } = await sql<{ id: number }>`
      INSERT INTO tasks (user_id, title, timezone, due_date, reminders, created_at, updated_at)
      SELECT 'heavy', 'task ' || g, 'UTC', now() + interval '1 day', '[{"before_minutes": 10}]',
             timestamp '2026-01-01' - g * interval '1 minute', now()
      FROM generate_series(1, 70) g ORDER BY g RETURNING id`.execute(db);
    heavyInOrder.push(...rows.map((r) => r.id).reverse());
    await sql`INSERT INTO reminders (task_id, user_id, remind_at) SELECT id, user_id, due_date - interval '10 minutes' FROM tasks`.execute(
      db,
    );
    await sql`INSERT INTO tasks (user_id, title, timezone, created_at, updated_at) VALUES ('light', 'only one', 'UTC', now(), now())`.execute(
      db,
    );
    assert.ok((await migrateToLatest(db)).includes('0006_projects'));
  } catch (err) {
    await close();
    await server.stop();
    throw err;
  }
  migrated = { db, close, server };
});

after(async () => {
  await app?.close({ keepData: true });
  await rm(dataDir, { recursive: true, force: true });
});

test('every user has exactly one Inbox, and every task is in its owner\u2019s, at the top level', async () => {
  const { db } = migrated;
  const inboxes = await sql<{ owner_id: string; n: number }>`
    SELECT owner_id, count(*)::int AS n FROM projects WHERE inbox GROUP BY owner_id ORDER BY owner_id`.execute(db);
  assert.deepEqual(inboxes.rows, [
    { owner_id: 'empty', n: 1 },
    { owner_id: 'heavy', n: 1 },
    { owner_id: 'light', n: 1 },
  ]);
  const misplaced = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM tasks t JOIN projects p ON p.id = t.project_id
    WHERE p.owner_id <> t.user_id OR NOT p.inbox OR t.parent_id IS NOT NULL`.execute(db);
  assert.equal(misplaced.rows[0]!.n, 0);
  const nulls = await sql<{ nullable: string }>`
    SELECT is_nullable AS nullable FROM information_schema.columns WHERE table_name = 'tasks' AND column_name IN ('project_id', 'position')`.execute(
    db,
  );
  assert.deepEqual(
    nulls.rows.map((r) => r.nullable),
    ['NO', 'NO'],
  );
  const reminders = await sql<{ n: number }>`SELECT count(*)::int AS n FROM reminders`.execute(db);
  assert.equal(reminders.rows[0]!.n, 70, 'derived rows untouched');
});

test('positions follow creation order, are distinct, and are keys the library continues from', async () => {
  const { db, close, server } = migrated;
  const { rows } = await sql<{ id: number; position: string }>`
    SELECT id, position FROM tasks WHERE user_id = 'heavy' ORDER BY position, id`.execute(db);
  assert.deepEqual(
    rows.map((r) => r.id),
    heavyInOrder,
  );
  const keys = rows.map((r) => r.position);
  assert.equal(new Set(keys).size, keys.length);
  for (let i = 1; i < keys.length; i++) {
    const between = generateKeyBetween(keys[i - 1], keys[i]); // throws on an invalid or unordered pair
    assert.ok(keys[i - 1]! < between && between < keys[i]!);
  }
  assert.ok(generateKeyBetween(keys.at(-1), null) > keys.at(-1)!);
  await close();
  await server.stop();
});

test('the service on the migrated data: the Inbox lists the tasks in order, a new task goes last, a move works', async () => {
  app = await startApp({}, { dataDir });
  const secret = await authSecret(app);
  const token = await signToken(secret, { sub: 'heavy', iss: 'taskstream', aud: 'taskstream', iat: nowSeconds(), exp: nowSeconds() + 600 });
  const api = client(app.url, token);
  const projects = await api.get('/api/heavy/projects');
  assert.equal(projects.status, 200);
  assert.equal(projects.body.length, 1);
  const inbox = projects.body[0];
  assert.equal(inbox.inbox, true);
  assert.equal(inbox.open_task_count, 70);
  const page = await api.get(`/api/heavy/tasks?project_id=${inbox.id}&top_level=true&sort=position&limit=200`);
  assert.deepEqual(
    page.body.map((t: { id: number }) => t.id),
    heavyInOrder,
  );
  const created = await api.post('/api/heavy/tasks', { title: 'after the migration' });
  assert.equal(created.status, 201);
  assert.equal(created.body.project_id, inbox.id);
  const moved = await api.post(`/api/heavy/tasks/${created.body.id}/move`, { after_id: heavyInOrder[0] });
  assert.equal(moved.status, 200);
  const again = await api.get(`/api/heavy/tasks?project_id=${inbox.id}&sort=position&limit=3`);
  assert.deepEqual(
    again.body.map((t: { id: number }) => t.id),
    [heavyInOrder[0], created.body.id, heavyInOrder[1]],
  );
});
