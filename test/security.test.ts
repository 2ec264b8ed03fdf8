/**
 * Security checks generated from the OpenAPI document (test/authz.test.ts holds the hand-written
 * matrix with snapshots; this one proves that no operation escapes it): every operation under
 * /api/{user_id} × no token / expired / tampered / `alg: none` / another secret → 401, another
 * user's path → 403; login rate limiting holds when the attacker rotates emails; and a server
 * running at LOG_LEVEL=debug never writes a password, an access token or a secret to its logs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { client, eventually, signUp, startApp, type Session, type TestApp } from './support/app.js';
import { authSecret, nowSeconds, signToken, tamper, unsignedToken } from './support/util.js';

describe('authz matrix generated from /openapi.json', () => {
  let app: TestApp;
  let alice: Session;
  let bob: Session;
  let operations: { method: string; path: string }[];

  before(async () => {
    app = await startApp();
    [alice, bob] = await Promise.all([signUp(app.url, 'alice'), signUp(app.url, 'bob')]);
    const doc = (await client(app.url).get('/openapi.json')).body;
    operations = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path: p })),
    );
  });
  after(async () => app?.close());

  const concrete = (p: string, userId: string) =>
    p
      .replace('{user_id}', userId)
      .replace(/\/notifications\/\{id\}/, '/notifications/00000000-0000-4000-8000-000000000000')
      .replace('{token_id}', '00000000-0000-4000-8000-000000000000')
      .replace('{id}', '1');

  async function call(method: string, url: string, token?: string) {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const ac = new AbortController();
    const res = await fetch(app.url + url, { method, headers, signal: ac.signal });
    const type = res.headers.get('content-type') ?? '';
    ac.abort(); // the stream would stay open on success; every case here is a refusal
    return { status: res.status, type, wwwAuthenticate: res.headers.get('www-authenticate') };
  }

  test('the document lists every user route (so the matrix cannot silently shrink)', () => {
    const user = operations.filter((o) => o.path.startsWith('/api/{user_id}'));
    assert.ok(user.length >= 13, `only ${user.length} operations under /api/{user_id}`);
    const publicOps = operations.filter((o) => !o.path.startsWith('/api/{user_id}'));
    // the calendar feed's token is in its path (test/calendar-feed.test.ts covers unknown and rotated tokens);
    // /mcp is not under a user's path (the token names the user): it joins the 401 cells below;
    // refresh and logout take the refresh-token cookie (test/sessions.test.ts)
    assert.deepEqual(publicOps.map((o) => `${o.method} ${o.path}`).sort(), [
      'GET /ical/{file}',
      'POST /api/auth/login',
      'POST /api/auth/logout',
      'POST /api/auth/refresh',
      'POST /api/auth/register',
      'POST /mcp',
    ]);
  });

  test('every operation × no token / expired / tampered / alg none / foreign secret → 401; other user → 403', async () => {
    const secret = await authSecret(app);
    const tokens: Record<string, string | undefined> = {
      'no token': undefined,
      expired: await signToken(secret, {
        iss: 'taskstream',
        aud: 'taskstream',
        sub: bob.userId,
        iat: nowSeconds() - 7200,
        exp: nowSeconds() - 3600,
      }),
      tampered: tamper(alice.token, { sub: bob.userId }),
      'alg none': unsignedToken({ sub: bob.userId, iss: 'taskstream', iat: nowSeconds(), exp: nowSeconds() + 3600 }),
      'another secret': await signToken('y'.repeat(48), {
        iss: 'taskstream',
        aud: 'taskstream',
        sub: bob.userId,
        exp: nowSeconds() + 3600,
      }),
      'unknown access token': 'tsk_' + 'z'.repeat(43),
    };
    const failures: string[] = [];
    let cells = 0;
    for (const op of operations.filter((o) => o.path.startsWith('/api/{user_id}') || o.path === '/mcp')) {
      const url = concrete(op.path, bob.userId);
      for (const [kind, token] of Object.entries(tokens)) {
        cells++;
        const r = await call(op.method, url, token);
        if (r.status !== 401 || !/^application\/problem\+json/.test(r.type) || !/^Bearer/.test(r.wwwAuthenticate ?? ''))
          failures.push(`${op.method} ${op.path} ${kind}: ${r.status} ${r.type}`);
      }
      if (!op.path.includes('{user_id}')) continue;
      cells++;
      const other = await call(op.method, url, alice.token);
      if (other.status !== 403) failures.push(`${op.method} ${op.path} other user's path: ${other.status}`);
    }
    assert.deepEqual(failures, []);
    assert.ok(cells >= 13 * 6, `${cells} cells`);
  });
});

describe('login rate limiting', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp();
  });
  after(async () => app?.close());

  test('rotating emails does not get around it: 429 after 10 attempts a minute from one client', async () => {
    const anon = client(app.url);
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) {
      statuses.push((await anon.post('/api/auth/login', { email: `victim-${i}@example.com`, password: 'guess guess' })).status);
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.deepEqual(statuses.slice(10), Array(4).fill(429));
  });
});

describe('no secret or token in the logs (LOG_LEVEL=debug)', () => {
  const AUTH_SECRET = `auth-secret-${'s'.repeat(40)}`;
  const APP_TOKEN = `app-token-${'t'.repeat(30)}`;
  const METRICS_TOKEN = `metrics-token-${'m'.repeat(30)}`;
  const PASSWORD = 'Pa55word-that-must-not-leak';
  let child: ChildProcess;
  let output = '';
  let dataDir: string;
  let base: string;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'taskstream-logs-'));
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'debug',
        AUTH_SECRET,
        APP_API_TOKEN: APP_TOKEN,
        METRICS_TOKEN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const port = await eventually(
      async () => {
        const line = output.split('\n').find((l) => l.includes('"msg":"taskstream ready"'));
        return line ? (JSON.parse(line).port as number) : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    child?.kill('SIGTERM');
    await new Promise((r) => child?.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  });

  test('register, login, API calls, failures: the captured logs hold none of the secrets', async () => {
    const anon = client(base);
    const email = `logs-${Date.now()}@example.com`;
    assert.equal((await anon.post('/api/auth/register', { email, password: PASSWORD, name: 'Logs' })).status, 201);
    assert.equal((await anon.post('/api/auth/register', { email, password: PASSWORD })).status, 409);
    assert.equal((await anon.post('/api/auth/register', { email: 'bad', password: PASSWORD })).status, 422);
    assert.equal((await anon.post('/api/auth/login', { email, password: `${PASSWORD}-wrong` })).status, 401);
    const login = await anon.post('/api/auth/login', { email, password: PASSWORD });
    assert.equal(login.status, 200);
    const token: string = login.body.access_token;
    const userId: string = login.body.user_id;
    const api = client(base, token);
    const task = await api.post(`/api/${userId}/tasks`, { title: 'log me' });
    assert.equal(task.status, 201);
    assert.equal((await api.get(`/api/${userId}/tasks?q=log`)).status, 200);
    assert.equal((await api.put(`/api/${userId}/tasks/${task.body.id}`, { title: '' })).status, 422);
    assert.equal((await api.get(`/api/${userId}/tasks/999999`)).status, 404);
    assert.equal((await client(base, tamper(token, { sub: 'x' })).get(`/api/${userId}/tasks`)).status, 401);
    assert.equal((await client(base, token).get(`/api/not-${userId}/tasks`)).status, 403);
    const refreshCookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith('taskstream_refresh='))!
      .split(';')[0]!;
    const refreshed = await anon.post('/api/auth/refresh', undefined, { cookie: refreshCookie });
    assert.equal(refreshed.status, 200);
    assert.equal((await anon.post('/api/auth/refresh', undefined, { cookie: refreshCookie })).status, 401, 'reuse');
    const ticket: string = (await api.post(`/api/${userId}/stream-ticket`)).body.ticket;
    const ac = new AbortController();
    const stream = await fetch(`${base}/api/${userId}/stream?ticket=${ticket}`, { signal: ac.signal });
    assert.equal(stream.status, 200);
    ac.abort();
    assert.equal((await fetch(`${base}/api/${userId}/stream?ticket=${ticket}`)).status, 401);
    assert.equal((await fetch(`${base}/metrics`)).status, 401);
    assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status, 200);
    assert.equal((await anon.post('/reminder-cron', undefined, { 'dapr-api-token': APP_TOKEN })).status, 200);
    assert.equal((await anon.post('/reminder-cron', undefined, { 'dapr-api-token': `${APP_TOKEN}-wrong` })).status, 401);
    await new Promise((r) => setTimeout(r, 500));

    // (nothing in the service logs at debug today; the level is set so that anything that ever does is caught here)
    assert.ok(output.includes('"status":401'), 'refused requests were logged');
    const signature = token.split('.')[2]!;
    const leaks = Object.entries({
      password: PASSWORD,
      'access token': token,
      'token signature': signature,
      'refresh token': refreshCookie.split('=')[1]!,
      'refreshed access token': refreshed.body.access_token,
      'stream ticket': ticket,
      METRICS_TOKEN,
      AUTH_SECRET,
      APP_API_TOKEN: APP_TOKEN,
    })
      .filter(([, secret]) => output.includes(secret))
      .map(([name]) => name);
    assert.deepEqual(leaks, [], `found in the logs: ${leaks.join(', ')}`);
  });
});
