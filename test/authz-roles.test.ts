/**
 * The role matrix of a shared project, generated from /openapi.json: every operation on
 * a task or a project (a path with `/tasks/{id}` or `{project_id}`) × owner / editor / viewer /
 * non-member / no token. 403 for what the caller's role may not do, 404 for what it cannot see,
 * 401 without a token; a refused call changes nothing. (test/authz.test.ts holds the per-user
 * matrix of every route: bad tokens, another user's path, another user's ids.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { client, signUp, type Session, type TestApp } from './support/app.js';
import { startTestApp } from './support/util.js';

type Who = 'owner' | 'editor' | 'viewer' | 'outsider' | 'anonymous';
const WHO: Who[] = ['owner', 'editor', 'viewer', 'outsider', 'anonymous'];

let app: TestApp;
let users: Record<Exclude<Who, 'anonymous'> | 'extra', Session>;

before(async () => {
  // every case builds its fixture as the owner: ~100 cases × 6 writes would meet the per-user write
  // limit (limits.test.ts tests it) on a fast run, and this file is about roles
  app = await startTestApp({ LIMIT_WRITES_PER_SECOND: '100000', LIMIT_WRITE_BURST: '100000' });
  const names = ['owner', 'editor', 'viewer', 'outsider', 'extra'] as const;
  const sessions = await Promise.all(names.map((n) => signUp(app.url, `roles-${n}`)));
  users = Object.fromEntries(names.map((n, i) => [n, sessions[i]!])) as typeof users;
});
after(async () => app?.close());

/** A fresh shared project (editor, viewer, extra) with a task and a subtask: each call gets its own. */
async function fixture() {
  const o = client(app.url, users.owner.token);
  const base = `/api/${users.owner.userId}`;
  const project = (await o.post(`${base}/projects`, { name: 'matrix' })).body;
  for (const [who, role] of [
    ['editor', 'editor'],
    ['viewer', 'viewer'],
    ['extra', 'viewer'],
  ] as const) {
    const r = await o.post(`${base}/projects/${project.id}/members`, { email: users[who].email, role });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  const task = (await o.post(`${base}/tasks`, { title: 'matrix task', project_id: project.id })).body;
  const other = (await o.post(`${base}/tasks`, { title: 'anchor', project_id: project.id })).body;
  return { project, task, other };
}
type Fixture = Awaited<ReturnType<typeof fixture>>;

interface Case {
  /** the body to send, and a path's concrete ids (beyond {user_id}, {id} and {project_id}) */
  body?: (f: Fixture) => unknown;
  query?: (f: Fixture) => string;
  member?: string;
  /** state the call needs first, made by its rightful party (e.g. the task deleted, the caller's feed created) */
  prepare?: (f: Fixture, caller: Session) => Promise<void>;
  /** expected status per caller; anonymous is always 401 */
  expect: Record<Exclude<Who, 'anonymous'>, number>;
}

const READ = { owner: 200, editor: 200, viewer: 200, outsider: 404 };
const TASK_WRITE = (ok: number) => ({ owner: ok, editor: ok, viewer: 403, outsider: 404 });
const OWNER_ONLY = (ok: number) => ({ owner: ok, editor: 403, viewer: 403, outsider: 404 });

/** Every operation on a task or project, by its OpenAPI form. A new one fails the coverage test until it is added here. */
const CASES: Record<string, Case> = {
  'GET /api/{user_id}/tasks/{id}': { expect: READ },
  'GET /api/{user_id}/tasks/{id}/history': { expect: READ },
  'PUT /api/{user_id}/tasks/{id}': { body: () => ({ title: 'edited' }), expect: TASK_WRITE(200) },
  'PATCH /api/{user_id}/tasks/{id}/complete': { expect: TASK_WRITE(200) },
  'POST /api/{user_id}/tasks/{id}/move': { body: (f) => ({ after_id: f.other.id }), expect: TASK_WRITE(200) },
  'DELETE /api/{user_id}/tasks/{id}': { expect: TASK_WRITE(204) },
  'GET /api/{user_id}/projects/{project_id}': { expect: READ },
  'PUT /api/{user_id}/projects/{project_id}': { body: () => ({ name: 'renamed' }), expect: OWNER_ONLY(200) },
  'POST /api/{user_id}/projects/{project_id}/move': { body: () => ({}), expect: OWNER_ONLY(200) },
  'DELETE /api/{user_id}/projects/{project_id}': { expect: OWNER_ONLY(204) },
  'GET /api/{user_id}/projects/{project_id}/members': { expect: READ },
  'POST /api/{user_id}/projects/{project_id}/members': {
    body: () => ({ email: users.outsider.email, role: 'viewer' }),
    expect: OWNER_ONLY(201),
  },
  'PUT /api/{user_id}/projects/{project_id}/members/{member_id}': {
    member: 'extra',
    body: () => ({ role: 'editor' }),
    expect: OWNER_ONLY(200),
  },
  'DELETE /api/{user_id}/projects/{project_id}/members/{member_id}': { member: 'extra', expect: OWNER_ONLY(204) },
  'POST /api/{user_id}/tasks/{id}/restore': {
    prepare: async (f) => {
      const r = await client(app.url, users.owner.token).call('DELETE', `/api/${users.owner.userId}/tasks/${f.task.id}`);
      assert.equal(r.status, 204);
    },
    expect: TASK_WRITE(200),
  },
  // any member may keep a feed of the project; each caller's feed is their own
  'POST /api/{user_id}/projects/{project_id}/calendar-feed': { expect: { ...READ, owner: 201, editor: 201, viewer: 201 } },
  'GET /api/{user_id}/projects/{project_id}/calendar-feed': { prepare: ownFeed, expect: READ },
  'DELETE /api/{user_id}/projects/{project_id}/calendar-feed': {
    prepare: ownFeed,
    expect: { ...READ, owner: 204, editor: 204, viewer: 204 },
  },
};

/** The caller's own feed of the fixture's project (an outsider cannot have one: 404). */
async function ownFeed(f: Fixture, caller: Session): Promise<void> {
  const r = await client(app.url, caller.token).call('POST', `/api/${caller.userId}/projects/${f.project.id}/calendar-feed`);
  assert.ok(r.status === 201 || (caller === users.outsider && r.status === 404), `${r.status} ${JSON.stringify(r.body)}`);
}

/** Operations on the caller's own collection that name a project in the query or body. */
const BY_REFERENCE: Record<string, Case & { method: string; path: string }> = {
  "list a project's tasks": { method: 'GET', path: '/api/{user_id}/tasks', query: (f) => `project_id=${f.project.id}`, expect: READ },
  "list a task's subtasks": { method: 'GET', path: '/api/{user_id}/tasks', query: (f) => `parent_id=${f.task.id}`, expect: READ },
  'create a task in the project': {
    method: 'POST',
    path: '/api/{user_id}/tasks',
    body: (f) => ({ title: 'added', project_id: f.project.id }),
    expect: { owner: 201, editor: 201, viewer: 403, outsider: 404 },
  },
  'create a subtask': {
    method: 'POST',
    path: '/api/{user_id}/tasks',
    body: (f) => ({ title: 'sub', parent_id: f.task.id }),
    expect: { owner: 201, editor: 201, viewer: 403, outsider: 404 },
  },
};

async function documentedOperations(): Promise<string[]> {
  const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths)
    .filter(([p]) => p.startsWith('/api/{user_id}/') && (p.includes('/tasks/{id}') || p.includes('{project_id}')))
    .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
}

/** What the owner sees of the fixture: a refused call must leave it as it was. */
async function snapshot(f: Fixture) {
  const o = client(app.url, users.owner.token);
  const base = `/api/${users.owner.userId}`;
  const [p, t, m, list] = await Promise.all([
    o.get(`${base}/projects/${f.project.id}`),
    o.get(`${base}/tasks/${f.task.id}`),
    o.get(`${base}/projects/${f.project.id}/members`),
    o.get(`${base}/tasks?project_id=${f.project.id}`),
  ]);
  // a deleted task (restore's case) is its status: a 404's body carries its own request id
  return { p: p.body, t: t.status === 200 ? t.body : t.status, m: m.body, n: list.body.length };
}

async function run(who: Who, method: string, template: string, c: Case) {
  const f = await fixture();
  const caller = who === 'anonymous' ? users.owner : users[who];
  const path = template
    .replace('{user_id}', caller.userId)
    .replace('{id}', String(f.task.id))
    .replace('{project_id}', String(f.project.id))
    .replace('{member_id}', c.member ? users[c.member as keyof typeof users].userId : '');
  const url = c.query ? `${path}?${c.query(f)}` : path;
  await c.prepare?.(f, caller);
  const before = await snapshot(f);
  const r = await client(app.url, who === 'anonymous' ? undefined : caller.token).call(method, url, c.body?.(f));
  const expected = who === 'anonymous' ? 401 : c.expect[who];
  assert.equal(r.status, expected, `${who} ${method} ${url}: ${JSON.stringify(r.body)}`);
  if (expected >= 400) {
    assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.deepEqual(await snapshot(f), before, 'a refused call changed nothing');
    if (expected === 404) assert.doesNotMatch(JSON.stringify(r.body), /matrix task/, 'a 404 does not leak the task');
  }
}

describe('roles on a shared project: every task and project operation × owner / editor / viewer / non-member / no token', () => {
  test('the matrix covers every task and project operation of /openapi.json', async () => {
    const documented = await documentedOperations();
    assert.ok(documented.length >= 14, documented.join('\n'));
    assert.deepEqual(
      documented.filter((op) => !CASES[op]),
      [],
      'every documented operation has its expected statuses',
    );
  });

  for (const [op, c] of Object.entries(CASES)) {
    const [method, template] = op.split(' ') as [string, string];
    for (const who of WHO) {
      test(`${op} as ${who} → ${who === 'anonymous' ? 401 : c.expect[who]}`, () => run(who, method, template, c));
    }
  }
  for (const [name, c] of Object.entries(BY_REFERENCE)) {
    for (const who of WHO) {
      test(`${name} (${c.method} ${c.path}) as ${who} → ${who === 'anonymous' ? 401 : c.expect[who]}`, () => run(who, c.method, c.path, c));
    }
  }
});
