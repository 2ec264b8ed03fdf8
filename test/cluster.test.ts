/**
 * `npm start`'s process model: a primary with the embedded PostgreSQL and WEB_CONCURRENCY HTTP
 * workers sharing the port (the built service, `node dist/src/main.js`, as `npm start` runs it).
 * Every worker serves the API against the one database, and /metrics — whichever worker answers —
 * counts the requests of all of them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { client, signUp } from './support/app.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let child: ChildProcess;
let url: string;
let dataDir: string;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'taskstream-cluster-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', WEB_CONCURRENCY: '2' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  while (
    !(await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    assert.ok(Date.now() < deadline, 'the cluster did not get ready within 60 s');
    assert.equal(child.exitCode, null, 'the primary exited');
    await new Promise((r) => setTimeout(r, 200));
  }
});

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await rm(dataDir, { recursive: true, force: true });
});

const healthzCount = (text: string): number =>
  Number(/^http_request_duration_seconds_count\{[^}]*route="\/healthz"[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0);

test('two workers answer, one user sees one list, and /metrics counts both workers', async () => {
  const me = await signUp(url, 'cluster');
  const api = client(url, me.token);
  for (let i = 0; i < 10; i++) {
    const r = await api.post(`/api/${me.userId}/tasks`, { title: `t${i}` });
    assert.equal(r.status, 201);
  }
  const list = await api.get(`/api/${me.userId}/tasks`);
  assert.equal(list.body.length, 10);

  const before = healthzCount(await (await fetch(`${url}/metrics`)).text());
  for (let i = 0; i < 20; i++) {
    const r = await fetch(`${url}/healthz`, { headers: { connection: 'close' } });
    assert.equal(r.status, 200);
  }
  // whichever worker serves /metrics, the 20 are all there
  for (let i = 0; i < 4; i++) {
    const text = await (await fetch(`${url}/metrics`, { headers: { connection: 'close' } })).text();
    assert.equal(healthzCount(text) - before, 20);
  }
});
