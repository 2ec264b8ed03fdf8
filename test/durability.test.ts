/**
 * Durability of acknowledged writes (a 201 means the task survives a crash): the built service as `npm start` runs it (a primary with
 * the embedded PostgreSQL and two HTTP workers) is killed with SIGKILL — the whole process tree:
 * primary, workers and PostgreSQL, no chance to flush anything — at a random moment while eight
 * clients create tasks concurrently. After a restart on the same DATA_DIR, every create that was
 * answered 201 is there, with the id it was answered with. Three rounds, each killed at its own
 * random point. Finally the cluster's settings are read: fsync, synchronous_commit and
 * full_page_writes are on (what makes a 201 survive a power loss too, which a kill cannot show).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { client, signUp, type Session } from './support/app.js';
import { sleep } from './support/util.js';
import { openEmbeddedDatabase } from '../src/db/embedded-postgres.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = 3;
const WRITERS = 8;
let dataDir: string;
let child: ChildProcess | undefined;
let url: string;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** The service in a process group of its own (detached), so one signal reaches the whole tree. */
async function startService(): Promise<void> {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const proc = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: ROOT,
    detached: true,
    env: {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      WEB_CONCURRENCY: '2',
      LIMIT_WRITES_PER_SECOND: '100000',
      LIMIT_WRITE_BURST: '100000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child = proc;
  const deadline = Date.now() + 120_000;
  while (
    !(await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    assert.ok(Date.now() < deadline, 'the service did not get ready within 120 s');
    assert.equal(proc.exitCode, null, 'the service exited');
    await sleep(200);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * SIGKILL to both process groups of the tree: the service's (primary and workers) and
 * PostgreSQL's (the postmaster makes itself a group leader, its backends follow it).
 */
async function killTree(): Promise<void> {
  const proc = child!;
  const postmaster = Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const exited = new Promise((r) => proc.once('exit', r));
  process.kill(-proc.pid!, 'SIGKILL');
  process.kill(-postmaster, 'SIGKILL');
  await exited;
  const deadline = Date.now() + 5000;
  while (alive(postmaster) && Date.now() < deadline) await sleep(20);
  assert.ok(!alive(postmaster), 'PostgreSQL died with the service (no clean shutdown, no final flush)');
  child = undefined;
}

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'taskstream-durability-'));
  await startService();
});

after(async () => {
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    process.kill(-child.pid, 'SIGKILL');
    await exited;
  }
  // a PostgreSQL left by a failed round would outlive the test
  const postmaster = Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (postmaster > 0 && alive(postmaster)) process.kill(-postmaster, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

test(`every create answered 201 survives SIGKILL of the whole tree at a random point (${ROUNDS} rounds, ${WRITERS} writers)`, async () => {
  const me: Session = await signUp(url, 'durable'); // AUTH_SECRET lives in DATA_DIR: the token outlives the restarts
  /** title → id, for every create answered 201 */
  const acknowledged = new Map<string, number>();
  const killPoints: number[] = [];

  for (let round = 0; round < ROUNDS; round++) {
    const api = client(url, me.token);
    let stop = false;
    const writer = async (w: number) => {
      for (let n = 0; !stop; n++) {
        const title = `r${round}-w${w}-n${n}`;
        try {
          const r = await api.post(`/api/${me.userId}/tasks`, { title, priority: 'high', tags: ['durable'] });
          if (r.status === 201) acknowledged.set(title, r.body.id);
          else if (r.status !== 429) assert.fail(`create answered ${r.status}: ${JSON.stringify(r.body)}`);
        } catch {
          return; // the connection died with the service
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    const before = acknowledged.size;
    // a random point once the round's writes are being answered (on a loaded machine the first
    // answer after a restart can take seconds), within the next couple of seconds
    const answered = Date.now() + 60_000;
    while (acknowledged.size === before && Date.now() < answered) await sleep(20);
    const at = Math.floor(Math.random() * 2000);
    killPoints.push(at);
    await sleep(at);
    await killTree();
    stop = true;
    await Promise.all(writers);
    assert.ok(acknowledged.size > before, `round ${round}: writes were acknowledged before the kill`);

    await startService();
    const stored = new Map<string, number>();
    for (let next: string | null = `/api/${me.userId}/tasks?limit=200&sort=created_at`; next;) {
      const page: { status: number; headers: Headers; body: unknown } = await client(url, me.token).get(next);
      assert.equal(page.status, 200);
      for (const t of page.body as { title: string; id: number }[]) stored.set(t.title, t.id);
      next = /<([^>]+)>;\s*rel="next"/.exec(page.headers.get('link') ?? '')?.[1]?.replace(url, '') ?? null;
    }
    const lost = [...acknowledged].filter(([title, id]) => stored.get(title) !== id);
    assert.deepEqual(lost, [], `round ${round} (killed ${at} ms after its first answer): acknowledged creates missing after the restart`);
  }
  console.log(`# ${acknowledged.size} acknowledged creates over ${ROUNDS} kills (at ${killPoints.join(', ')} ms), none lost`);

  // the cluster's durability settings, read from the cluster itself once the service is down
  const proc = child!;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
  child = undefined;
  const database = await openEmbeddedDatabase(dataDir);
  try {
    for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes']) {
      const r = await sql<{ v: string }>`SELECT current_setting(${setting}) AS v`.execute(database.db);
      assert.equal(r.rows[0]!.v, 'on', setting);
    }
  } finally {
    await database.close();
  }
});
