/**
 * The embedded PostgreSQL's life cycle on one DATA_DIR: first start (initdb + database), data
 * kept across restarts, and a server left running by a process that was killed (simulated: a
 * second start while the first server still runs) stopped and replaced without losing a row.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';

const log = pino({ level: 'silent' });
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function query(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The postmaster's pid, from the lock file it keeps in the cluster folder. */
const postmasterPid = async (dataDir: string): Promise<number> =>
  Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('first start, restart, and an orphaned server replaced: every committed row is still there', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'taskstream-pg-'));
  dirs.push(dataDir);
  const first = await startEmbeddedPostgres(dataDir, log);
  await query(first.url, 'CREATE TABLE t (n int)');
  await query(first.url, 'INSERT INTO t VALUES (1)');
  await first.stop();

  const second = await startEmbeddedPostgres(dataDir, log);
  assert.deepEqual(await query(second.url, 'SELECT n FROM t'), [{ n: 1 }]);
  await query(second.url, 'INSERT INTO t VALUES (2)');
  const orphan = await postmasterPid(dataDir);
  assert.ok(alive(orphan));

  // `second` is never stopped: as if its process had been SIGKILLed, its server runs on
  const third = await startEmbeddedPostgres(dataDir, log);
  try {
    assert.deepEqual(await query(third.url, 'SELECT n FROM t ORDER BY n'), [{ n: 1 }, { n: 2 }]);
    assert.equal(alive(orphan), false, 'the orphaned server was stopped');
    assert.notEqual(await postmasterPid(dataDir), orphan);
  } finally {
    await third.stop();
  }
});
