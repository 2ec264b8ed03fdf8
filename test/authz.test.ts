/**
 * The authz matrix (a user reaches only their own data: 401 without a valid token, 403 on another's path, 404 for another's resource): every `/api/{user_id}/...` route × no token / bad tokens /
 * another user's path / another user's resource id; registration and login; the routes only
 * the Dapr sidecar may call. One app for the whole file (login rate limiting runs last).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyRequest } from 'fastify';
import { client, eventually, signUp, type Session, type TestApp } from './support/app.js';
import { authSecret, startTestApp, nowSeconds, outboxCount, signToken, tamper, unsignedToken } from './support/util.js';
import { requireSidecar } from '../src/http/auth.js';

const APP_TOKEN = 'app-token-for-the-sidecar-0123456789';
let app: TestApp;
let alice: Session;
let bob: Session;
/** bob's task and notification: the targets of cross-user attempts */
let bobTask: any;
let bobNotification: any;
/** alice's own task (valid ids in her own path) */
let aliceTask: any;
/** bob's personal access token (its id is a target too) */
let bobAccessToken: any;
/** bob's and alice's projects */
let bobProject: any;
let aliceProject: any;

before(async () => {
  app = await startTestApp({ APP_API_TOKEN: APP_TOKEN });
  [alice, bob] = await Promise.all([signUp(app.url, 'alice'), signUp(app.url, 'bob')]);
  const a = client(app.url, alice.token);
  const b = client(app.url, bob.token);
  aliceTask = (await a.post(`/api/${alice.userId}/tasks`, { title: 'alice task' })).body;
  bobTask = (
    await b.post(`/api/${bob.userId}/tasks`, {
      title: 'bob task',
      due_date: new Date(Date.now() + 3_600_000).toISOString(),
      reminders: [{ at: new Date(Date.now() + 800).toISOString() }],
    })
  ).body;
  assert.ok(aliceTask.id && bobTask.id);
  aliceProject = (await a.post(`/api/${alice.userId}/projects`, { name: 'alice project' })).body;
  bobProject = (await b.post(`/api/${bob.userId}/projects`, { name: 'bob project' })).body;
  assert.ok(aliceProject.id && bobProject.id);
  const inbox = await eventually(
    async () => {
      const r = await b.get(`/api/${bob.userId}/notifications`);
      return r.body.length ? r.body : undefined;
    },
    { timeoutMs: 8000 },
  );
  bobNotification = inbox[0];
  bobAccessToken = (await b.post(`/api/${bob.userId}/tokens`, { name: 'bob cli', scopes: ['tasks:read'] })).body;
  assert.ok(bobAccessToken.id);
  // bob's calendar feed of his project: a cross-user attempt must neither see nor change it
  assert.equal((await b.post(`/api/${bob.userId}/projects/${bobProject.id}/calendar-feed`)).status, 201);
});
after(async () => app?.close());

interface Route {
  name: string;
  method: string;
  /** the path for a user id, with that user's own resource ids */
  path: (userId: string) => string;
  body?: unknown;
  /** path into `owner`'s space naming the other user's resource id (404 expected) */
  foreign?: (ownUserId: string) => string;
}

/** A route on the caller's own task (`/tasks/{id}` then `suffix`); foreign: bob's task in the caller's path. */
const onTask = (name: string, method: string, suffix = '', body?: unknown): Route => ({
  name,
  method,
  path: (u) => `/api/${u}/tasks/${taskOf(u)}${suffix}`,
  ...(body === undefined ? {} : { body }),
  foreign: (u) => `/api/${u}/tasks/${bobTask.id}${suffix}`,
});
/** The same for a project (`/projects/{project_id}` then `suffix`). */
const onProject = (name: string, method: string, suffix = '', body?: unknown): Route => ({
  name,
  method,
  path: (u) => `/api/${u}/projects/${projectOf(u)}${suffix}`,
  ...(body === undefined ? {} : { body }),
  foreign: (u) => `/api/${u}/projects/${bobProject.id}${suffix}`,
});

const routes: Route[] = [
  { name: 'list tasks', method: 'GET', path: (u) => `/api/${u}/tasks` },
  { name: 'create task', method: 'POST', path: (u) => `/api/${u}/tasks`, body: { title: 'x' } },
  onTask('get task', 'GET'),
  onTask('update task', 'PUT', '', { title: 'changed by someone' }),
  onTask('delete task', 'DELETE'),
  onTask('complete task', 'PATCH', '/complete'),
  onTask('set completion', 'PATCH', '/complete', { completed: true }),
  onTask('task history', 'GET', '/history'),
  onTask('restore task', 'POST', '/restore'),
  onTask('move task', 'POST', '/move', {}),
  { name: 'list projects', method: 'GET', path: (u) => `/api/${u}/projects` },
  { name: 'create project', method: 'POST', path: (u) => `/api/${u}/projects`, body: { name: 'x' } },
  onProject('get project', 'GET'),
  onProject('update project', 'PUT', '', { name: 'renamed by someone' }),
  onProject('move project', 'POST', '/move', {}),
  onProject('delete project', 'DELETE'),
  onProject("list a project's members", 'GET', '/members'),
  onProject('share a project', 'POST', '/members', { email: 'nobody-in-particular@example.com', role: 'viewer' }),
  {
    name: "change a member's role",
    method: 'PUT',
    path: (u) => `/api/${u}/projects/${projectOf(u)}/members/${u}`,
    body: { role: 'editor' },
    foreign: (u) => `/api/${u}/projects/${bobProject.id}/members/${bob.userId}`,
  },
  {
    name: 'remove a member',
    method: 'DELETE',
    path: (u) => `/api/${u}/projects/${projectOf(u)}/members/${u}`,
    foreign: (u) => `/api/${u}/projects/${bobProject.id}/members/${bob.userId}`,
  },
  {
    name: "list a project's tasks",
    method: 'GET',
    path: (u) => `/api/${u}/tasks?project_id=${projectOf(u)}`,
    foreign: (u) => `/api/${u}/tasks?project_id=${bobProject.id}`,
  },
  {
    name: "list a task's subtasks",
    method: 'GET',
    path: (u) => `/api/${u}/tasks?parent_id=${taskOf(u)}`,
    foreign: (u) => `/api/${u}/tasks?parent_id=${bobTask.id}`,
  },
  {
    name: "create a task in another's project",
    method: 'POST',
    path: (u) => `/api/${u}/tasks`,
    body: { title: 'x' },
    foreign: (u) => `/api/${u}/tasks?_=project`, // the body names bob's project (see foreignBody)
  },
  onProject("show a project's calendar feed", 'GET', '/calendar-feed'),
  onProject("create or rotate a project's calendar feed", 'POST', '/calendar-feed'),
  onProject("revoke a project's calendar feed", 'DELETE', '/calendar-feed'),
  { name: 'get preferences', method: 'GET', path: (u) => `/api/${u}/preferences` },
  { name: 'put preferences', method: 'PUT', path: (u) => `/api/${u}/preferences`, body: { timezone: 'Asia/Tokyo' } },
  { name: 'list notifications', method: 'GET', path: (u) => `/api/${u}/notifications` },
  {
    name: 'read notification',
    method: 'POST',
    path: (u) => `/api/${u}/notifications/${u === bob.userId ? bobNotification.id : '00000000-0000-4000-8000-000000000000'}/read`,
    foreign: (u) => `/api/${u}/notifications/${bobNotification.id}/read`,
  },
  {
    name: 'snooze notification',
    method: 'POST',
    path: (u) => `/api/${u}/notifications/${u === bob.userId ? bobNotification.id : '00000000-0000-4000-8000-000000000000'}/snooze`,
    body: { minutes: 5 },
    foreign: (u) => `/api/${u}/notifications/${bobNotification.id}/snooze`,
  },
  { name: 'read all notifications', method: 'POST', path: (u) => `/api/${u}/notifications/read-all` },
  { name: 'stream', method: 'GET', path: (u) => `/api/${u}/stream` },
  { name: 'list access tokens', method: 'GET', path: (u) => `/api/${u}/tokens` },
  { name: 'create access token', method: 'POST', path: (u) => `/api/${u}/tokens`, body: { name: 'x', scopes: ['tasks:write'] } },
  {
    name: 'revoke access token',
    method: 'DELETE',
    path: (u) => `/api/${u}/tokens/${u === bob.userId ? bobAccessToken.id : '00000000-0000-4000-8000-000000000000'}`,
    foreign: (u) => `/api/${u}/tokens/${bobAccessToken.id}`,
  },
  { name: 'stream ticket', method: 'POST', path: (u) => `/api/${u}/stream-ticket` },
  {
    name: 'change password',
    method: 'POST',
    path: (u) => `/api/${u}/password`,
    body: { current_password: 'correct horse battery', new_password: 'a much longer new passphrase' },
  },
  { name: 'sign out everywhere', method: 'DELETE', path: (u) => `/api/${u}/sessions` },
];

const taskOf = (userId: string) => (userId === bob.userId ? bobTask.id : aliceTask.id);
const projectOf = (userId: string) => (userId === bob.userId ? bobProject.id : aliceProject.id);
/** the body of a cross-user attempt: a create names bob's project or task */
const foreignBody = (route: Route): unknown =>
  route.name === "create a task in another's project" ? { title: 'x', project_id: bobProject.id } : route.body;

async function call(method: string, url: string, headers: Record<string, string>, body?: unknown) {
  const h = { ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(app.url + url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Everything observable about bob's data: must be identical before and after a refused request. */
async function bobSnapshot() {
  const b = client(app.url, bob.token);
  const [task, tasks, history, prefs, inbox, outbox, accessTokens, projects, members, feeds] = await Promise.all([
    b.get(`/api/${bob.userId}/tasks/${bobTask.id}`),
    b.get(`/api/${bob.userId}/tasks`),
    b.get(`/api/${bob.userId}/tasks/${bobTask.id}/history`),
    b.get(`/api/${bob.userId}/preferences`),
    b.get(`/api/${bob.userId}/notifications`),
    outboxCount(app, bob.userId),
    b.get(`/api/${bob.userId}/tokens`),
    b.get(`/api/${bob.userId}/projects`),
    b.get(`/api/${bob.userId}/projects/${bobProject.id}/members`),
    b.get(`/api/${bob.userId}/calendar-feeds`),
  ]);
  assert.equal(task.status, 200, 'bob still has his task');
  return {
    task: task.body,
    count: tasks.headers.get('x-total-count'),
    history: history.body,
    prefs: prefs.body,
    inbox: inbox.body,
    outbox,
    accessTokens: accessTokens.body,
    projects: projects.body,
    members: members.body,
    feeds: feeds.body,
  };
}

function assertUnauthorized(r: { status: number; headers: Headers; body: any }, what: string) {
  assert.equal(r.status, 401, `${what}: expected 401, got ${r.status} ${JSON.stringify(r.body)}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
  assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/i, `${what}: WWW-Authenticate`);
  assert.equal(r.body.status, 401, what);
}

describe('every /api/{user_id} route refuses a request without a valid token', () => {
  for (const route of routes) {
    test(`${route.method} ${route.name}`, async () => {
      const before = await bobSnapshot();
      const secret = await authSecret(app);
      const url = route.path(bob.userId);
      const badTokens: Record<string, string> = {
        malformed: 'not-a-jwt',
        'three garbage segments': 'aaa.bbb.ccc',
        'tampered subject': tamper(alice.token, { sub: bob.userId }),
        'tampered expiry': tamper(
          await signToken(secret, { iss: 'taskstream', aud: 'taskstream', sub: bob.userId, exp: nowSeconds() - 10 }),
          { exp: nowSeconds() + 3600 },
        ),
        expired: await signToken(secret, {
          iss: 'taskstream',
          aud: 'taskstream',
          sub: bob.userId,
          iat: nowSeconds() - 7200,
          exp: nowSeconds() - 3600,
        }),
        'alg none': unsignedToken({ sub: bob.userId, iss: 'taskstream', iat: nowSeconds(), exp: nowSeconds() + 3600 }),
        'signed with another secret': await signToken('x'.repeat(48), {
          iss: 'taskstream',
          aud: 'taskstream',
          sub: bob.userId,
          exp: nowSeconds() + 3600,
        }),
        'no expiry': await signToken(secret, { iss: 'taskstream', aud: 'taskstream', sub: bob.userId }),
        'no subject': await signToken(secret, { iss: 'taskstream', aud: 'taskstream', exp: nowSeconds() + 3600 }),
        // our secret, but not our issuer and audience: signed by us is not enough, a token must be issued for this service
        'foreign issuer and audience': await signToken(secret, {
          sub: bob.userId,
          exp: nowSeconds() + 3600,
          iss: 'evil',
          aud: 'other',
        }),
        'our issuer, no audience': await signToken(secret, {
          sub: bob.userId,
          exp: nowSeconds() + 3600,
          iss: 'taskstream',
        }),
      };
      assertUnauthorized(await call(route.method, url, {}, route.body), 'no token');
      assertUnauthorized(await call(route.method, url, { authorization: `Basic ${btoa('bob:pw')}` }, route.body), 'Basic scheme');
      assertUnauthorized(await call(route.method, url, { authorization: 'Bearer' }, route.body), 'empty bearer');
      for (const [kind, token] of Object.entries(badTokens)) {
        assertUnauthorized(await call(route.method, url, { authorization: `Bearer ${token}` }, route.body), kind);
      }
      // authentication comes before anything else: a bad body or id does not turn a 401 into a 4xx of another kind
      if (route.body !== undefined) assertUnauthorized(await call(route.method, url, {}, { bogus: true }), 'no token, invalid body');
      assertUnauthorized(await call(route.method, url.replace(/\/tasks\/\d+/, '/tasks/not-a-number'), {}, route.body), 'no token, bad id');
      // a token in the URL (which ends up in logs) is accepted nowhere, the stream included (it takes a ticket)
      assertUnauthorized(await call(route.method, `${url}?access_token=${bob.token}`, {}, route.body), 'query token');
      if (route.name === 'stream') {
        for (const ticket of ['', 'unknown-ticket', 'x'.repeat(101), bob.token]) {
          assertUnauthorized(await call('GET', `${url}?ticket=${encodeURIComponent(ticket)}`, {}), `ticket ${ticket.slice(0, 20)}`);
        }
      }
      assert.deepEqual(await bobSnapshot(), before, 'refused requests changed nothing');
    });
  }
});

describe("a valid token on another user's path is refused with 403 and changes nothing", () => {
  for (const route of routes) {
    test(`${route.method} ${route.name}`, async () => {
      const before = await bobSnapshot();
      const r = await call(route.method, route.path(bob.userId), { authorization: `Bearer ${alice.token}` }, route.body);
      assert.equal(r.status, 403, `expected 403, got ${r.status} ${JSON.stringify(r.body)}`);
      assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
      if (route.name === 'stream') {
        const ticket = (await client(app.url, alice.token).post(`/api/${alice.userId}/stream-ticket`)).body.ticket;
        const q = await call('GET', `${route.path(bob.userId)}?ticket=${ticket}`, {});
        assert.equal(q.status, 403, "alice's ticket on bob's stream");
      }
      assert.deepEqual(await bobSnapshot(), before);
    });
  }
});

describe("another user's resource id in your own path is 404 and changes nothing", () => {
  for (const route of routes.filter((r) => r.foreign)) {
    test(`${route.method} ${route.name}`, async () => {
      const before = await bobSnapshot();
      const aliceOutbox = await outboxCount(app, alice.userId);
      const r = await call(route.method, route.foreign!(alice.userId), { authorization: `Bearer ${alice.token}` }, foreignBody(route));
      assert.equal(r.status, 404, `expected 404, got ${r.status} ${JSON.stringify(r.body)}`);
      assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.doesNotMatch(JSON.stringify(r.body), /bob task/, 'the 404 does not leak the task');
      assert.deepEqual(await bobSnapshot(), before);
      assert.equal(await outboxCount(app, alice.userId), aliceOutbox, 'no event recorded for alice either');
    });
  }

  // test/security.test.ts refuses anonymous and cross-user calls on every documented operation;
  // this matrix also snapshots data and tries foreign ids: it must not miss an operation of its areas
  test('the matrix covers every documented operation on tasks, projects, preferences, notifications and the stream', async () => {
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .filter(([p]) => /^\/api\/\{user_id\}\/(tasks|projects|preferences|notifications|stream)\b/.test(p))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    // a concrete path of the matrix, in the document's form
    const template = (path: string) =>
      path
        .split('?')[0]!
        .replace(`/api/${bob.userId}/`, '/api/{user_id}/')
        .replace(/\/tasks\/\d+/, '/tasks/{id}')
        .replace(/\/projects\/\d+/, '/projects/{project_id}')
        .replace(/\/members\/[^/]+$/, '/members/{member_id}')
        .replace(/\/notifications\/[0-9a-f-]{36}/, '/notifications/{id}');
    const covered = new Set(routes.map((r) => `${r.method} ${template(r.path(bob.userId))}`));
    assert.deepEqual(
      documented.filter((op) => !covered.has(op)),
      [],
      'every documented operation is in the matrix',
    );
  });

  test('a task id that exists nowhere is 404 too (same answer as a foreign one)', async () => {
    const a = client(app.url, alice.token);
    const r = await a.get(`/api/${alice.userId}/tasks/2147483000`);
    assert.equal(r.status, 404);
  });

  test('the owner gets 200 on the same routes (the matrix above is not refusing everything)', async () => {
    const b = client(app.url, bob.token);
    assert.equal((await b.get(`/api/${bob.userId}/tasks/${bobTask.id}`)).status, 200);
    assert.equal((await b.get(`/api/${bob.userId}/tasks/${bobTask.id}/history`)).status, 200);
    assert.equal((await b.get(`/api/${bob.userId}/preferences`)).status, 200);
    const read = await b.post(`/api/${bob.userId}/notifications/${bobNotification.id}/read`);
    assert.equal(read.status, 200);
    assert.equal(read.body.read, true);
    const ac = new AbortController();
    const stream = await fetch(`${app.url}/api/${bob.userId}/stream`, {
      headers: { authorization: `Bearer ${bob.token}` },
      signal: ac.signal,
    });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    ac.abort();
  });
});

describe('registration', () => {
  const anon = () => client(app.url);
  const email = `reg-${Date.now()}@example.com`;

  test('201 with the public user, no password material', async () => {
    const r = await anon().post('/api/auth/register', { email, password: 'plum kettle orbit seven', name: 'Reg' });
    assert.equal(r.status, 201);
    assert.deepEqual(Object.keys(r.body).sort(), ['email', 'name', 'user_id']);
    assert.equal(r.body.email, email);
    assert.equal(r.body.name, 'Reg');
    assert.ok(r.body.user_id.length > 0);
  });

  test('409 for an existing email, also in another letter case; the first account still logs in', async () => {
    for (const e of [email, email.toUpperCase()]) {
      const r = await anon().post('/api/auth/register', { email: e, password: 'another plum kettle orbit' });
      assert.equal(r.status, 409, e);
      assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
    const login = await anon().post('/api/auth/login', { email, password: 'plum kettle orbit seven' });
    assert.equal(login.status, 200, 'the duplicate did not replace the password');
  });

  for (const [label, body, field] of [
    ['bad email', { email: 'not-an-email', password: 'plum kettle orbit seven' }, 'email'],
    ['short password', { email: `short-${Date.now()}@example.com`, password: 'short' }, 'password'],
    ['missing password', { email: `nopw-${Date.now()}@example.com` }, 'password'],
    ['unknown field', { email: `uf-${Date.now()}@example.com`, password: 'plum kettle orbit seven', admin: true }, 'admin'],
  ] as const) {
    test(`422 for ${label}`, async () => {
      const r = await anon().post('/api/auth/register', body);
      assert.equal(r.status, 422);
      assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.ok(
        r.body.errors.some((e: { field: string }) => e.field === field),
        `errors name ${field}: ${JSON.stringify(r.body.errors)}`,
      );
      if ('password' in body && 'email' in body) {
        const login = await anon().post('/api/auth/login', { email: body.email, password: body.password });
        assert.equal(login.status, 401, 'no account was created');
      }
    });
  }
});

describe('login', () => {
  test('200 with a bearer token that works', async () => {
    const r = await client(app.url).post('/api/auth/login', { email: alice.email, password: 'correct horse battery' });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['access_token', 'expires_in', 'token_type', 'user_id']);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.body.user_id, alice.userId);
    assert.ok(Number.isInteger(r.body.expires_in) && r.body.expires_in > 0);
    const [, payload] = r.body.access_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    assert.equal(claims.sub, alice.userId);
    assert.ok(Math.abs(claims.exp - nowSeconds() - r.body.expires_in) <= 5, 'exp matches expires_in');
    const me = await client(app.url, r.body.access_token).get(`/api/${alice.userId}/tasks`);
    assert.equal(me.status, 200);
  });

  test('401 for a wrong password and for an unknown email, with the same answer', async () => {
    const wrong = await client(app.url).post('/api/auth/login', { email: alice.email, password: 'wrong password!' });
    const unknown = await client(app.url).post('/api/auth/login', { email: `nobody-${Date.now()}@example.com`, password: 'whatever1' });
    for (const r of [wrong, unknown]) {
      assert.equal(r.status, 401);
      assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(r.body.access_token, undefined);
    }
    assert.equal(wrong.body.detail, unknown.body.detail, 'does not reveal which emails exist');
  });
});

describe('routes only the Dapr sidecar may call', () => {
  test('POST /reminder-cron needs the app token', async () => {
    const anon = client(app.url);
    const refused: Record<string, string>[] = [
      {},
      { 'dapr-api-token': 'wrong' },
      { 'dapr-api-token': APP_TOKEN + 'x' },
      { authorization: `Bearer ${alice.token}` },
    ];
    for (const headers of refused) {
      const r = await anon.post('/reminder-cron', undefined, headers);
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
    const ok = await anon.post('/reminder-cron', undefined, { 'dapr-api-token': APP_TOKEN });
    assert.equal(ok.status, 200);
    assert.equal(typeof ok.body.fired, 'number');
    const options = await anon.call('OPTIONS', '/reminder-cron');
    assert.equal(options.status, 401);
  });

  test('the Dapr subscription routes do not exist in embedded mode, with or without the token', async () => {
    const anon = client(app.url);
    const historyBefore = (await client(app.url, alice.token).get(`/api/${alice.userId}/tasks/${aliceTask.id}/history`)).body.length;
    const event = {
      event_id: '11111111-1111-4111-8111-111111111111',
      event_type: 'deleted',
      task_id: aliceTask.id,
      user_id: alice.userId,
      timestamp: new Date().toISOString(),
      data: aliceTask,
    };
    for (const headers of [{}, { 'dapr-api-token': APP_TOKEN }] as Record<string, string>[]) {
      for (const topic of ['task-events', 'notifications']) {
        const r = await anon.post(`/dapr/${topic}`, event, headers);
        assert.equal(r.status, 404, `${topic} ${JSON.stringify(headers)}`);
      }
      assert.equal((await anon.get('/dapr/subscribe', headers)).status, 404);
    }
    const historyAfter = (await client(app.url, alice.token).get(`/api/${alice.userId}/tasks/${aliceTask.id}/history`)).body.length;
    assert.equal(historyAfter, historyBefore, 'nothing was delivered');
  });

  test('without APP_API_TOKEN only loopback callers are let in', async () => {
    const guard = requireSidecar(undefined);
    const req = (remoteAddress: string, headers: Record<string, string> = {}) =>
      ({ headers, socket: { remoteAddress } }) as unknown as FastifyRequest;
    await guard(req('127.0.0.1'));
    await guard(req('::1'));
    for (const remote of ['192.0.2.10', '10.0.0.5', 'fd00::1']) {
      await assert.rejects(guard(req(remote)), (e: any) => e.status === 403, remote);
      await assert.rejects(guard(req(remote, { 'dapr-api-token': 'anything' })), (e: any) => e.status === 403, remote);
    }
  });
});

// last: it uses up this client's login budget
describe('login rate limiting', () => {
  test('too many attempts → 429, even with the right password; other routes unaffected', async () => {
    const anon = client(app.url);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await anon.post('/api/auth/login', { email: alice.email, password: `guess-${i}-wrong` });
      statuses.push(r.status);
      if (r.status === 429) {
        assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
        assert.ok(Number(r.headers.get('retry-after')) > 0, 'Retry-After tells when to come back');
        break;
      }
      assert.equal(r.status, 401);
    }
    assert.equal(statuses.at(-1), 429, `got ${statuses.join(',')}`);
    assert.ok(statuses.length <= 20, `429 only after ${statuses.length} attempts`);
    const right = await anon.post('/api/auth/login', { email: alice.email, password: 'correct horse battery' });
    assert.equal(right.status, 429, 'the correct password is also refused while limited (no oracle)');
    const tasks = await client(app.url, alice.token).get(`/api/${alice.userId}/tasks`);
    assert.equal(tasks.status, 200, 'API calls with a token are not limited by login attempts');
  });
});
