/**
 * Parameterised statements run as named prepared statements on their connection (parsed and
 * planned once per connection), statements without parameters keep the simple protocol, and a
 * connection keeps at most PREPARED_PER_CONNECTION of them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { openDatabase, PREPARED_PER_CONNECTION, type DatabaseHandle } from '../src/db/connect.js';

let dir: string;
let server: EmbeddedPostgres;
let handle: DatabaseHandle;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'taskstream-prepared-'));
  server = await startEmbeddedPostgres(dir, pino({ level: 'silent' }));
  handle = await openDatabase({ url: server.url, poolSize: 1 }); // one connection: every query sees the same session
});
after(async () => {
  await handle.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const prepared = async (): Promise<string[]> =>
  (
    await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%probe%'`.execute(handle.db)
  ).rows.map((r) => r.statement);

test('a parameterised statement is prepared once and reused; one without parameters is not prepared', async () => {
  for (const n of [1, 2, 3]) {
    const { rows } = await sql<{ v: number }>`SELECT ${n}::int + 1 AS v /* probe a */`.execute(handle.db);
    assert.equal(rows[0]?.v, n + 1);
  }
  await sql`SELECT 1 /* probe b */`.execute(handle.db);
  assert.deepEqual(await prepared(), ['SELECT $1::int + 1 AS v /* probe a */']);
});

test('a statement that fails to parse is not remembered as prepared', async () => {
  await assert.rejects(sql`SELEC ${1}::int /* probe bad */`.execute(handle.db), /syntax error/);
  await assert.rejects(sql`SELEC ${1}::int /* probe bad */`.execute(handle.db), /syntax error/);
  assert.ok(!(await prepared()).some((s) => s.includes('probe bad')));
});

test(`a connection keeps at most ${PREPARED_PER_CONNECTION} prepared statements; later texts still run`, async () => {
  const fresh = await openDatabase({ url: server.url, poolSize: 1 });
  try {
    await fillPast(fresh);
  } finally {
    await fresh.close();
  }
});

async function fillPast({ db }: DatabaseHandle): Promise<void> {
  for (let i = 0; i < PREPARED_PER_CONNECTION + 20; i++) {
    const { rows } = await sql<{ v: number }>`SELECT ${i}::int AS v /* probe c${sql.raw(String(i))} */`.execute(db);
    assert.equal(rows[0]?.v, i);
  }
  const all = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_prepared_statements`.execute(db);
  assert.equal(all.rows[0]?.n, PREPARED_PER_CONNECTION);
}
