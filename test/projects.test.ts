/**
 * Organizing: projects and the Inbox, task fields project_id/parent_id/position, the
 * list filters, move and manual order, completing a parent, the recurring parent's subtasks,
 * Today/Upcoming in a zone away from UTC, preferences week_start/name, and the limits.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { client, eventually, signUp, type Session, type TestApp } from './support/app.js';
import { startTestApp } from './support/util.js';
import { nextOccurrenceProcessor } from '../src/next-occurrence/next-occurrence.processor.js';
import type { TaskEvent } from '../src/events/schemas.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => app?.close());

async function user(name: string) {
  const me = await signUp(app.url, name);
  const api = client(app.url, me.token);
  return { me, api, tasks: `/api/${me.userId}/tasks`, projects: `/api/${me.userId}/projects` };
}
type User = Awaited<ReturnType<typeof user>>;

const db = () => app.running.services.db;

/** The outbox events of one topic about one user, oldest first. */
async function events(topic: string, userId: string): Promise<any[]> {
  const { rows } = await sql<{ payload: any }>`
    SELECT payload FROM outbox WHERE topic = ${topic} AND payload->>'user_id' = ${userId} ORDER BY seq`.execute(db());
  return rows.map((r) => r.payload);
}

async function inboxOf(u: User) {
  const list = await u.api.get(u.projects);
  assert.equal(list.status, 200);
  return list.body.find((p: any) => p.inbox);
}

/** The ids of a list in manual order, as the API gives it. */
async function order(u: User, query: string): Promise<number[]> {
  const r = await u.api.get(`${u.tasks}?${query}&sort=position&limit=200`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const ids = r.body.map((t: any) => t.id);
  // the keys order the list by themselves (code-unit order), as a client sorting them would
  const byKey = [...r.body].sort((a: any, b: any) => (a.position < b.position ? -1 : a.position > b.position ? 1 : a.id - b.id));
  assert.deepEqual(
    byKey.map((t: any) => t.id),
    ids,
  );
  return ids;
}

describe('projects', () => {
  let u: User;
  before(async () => {
    u = await user('proj');
  });

  test('registration gives one Inbox, with every field; it is also created once only', async () => {
    const list = await u.api.get(u.projects);
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 1);
    const inbox = list.body[0];
    assert.deepEqual(Object.keys(inbox).sort(), [
      'archived',
      'color',
      'created_at',
      'id',
      'inbox',
      'member_count',
      'name',
      'open_task_count',
      'owner_id',
      'position',
      'role',
      'updated_at',
      'version',
    ]);
    assert.equal(inbox.inbox, true);
    assert.equal(inbox.name, 'Inbox');
    assert.equal(inbox.owner_id, u.me.userId);
    assert.equal(inbox.role, 'owner');
    assert.equal(inbox.member_count, 1);
    assert.equal(inbox.archived, false);
    assert.equal((await u.api.get(u.projects)).body.length, 1, 'listing again does not add a second Inbox');
    const created = (await events('project-events', u.me.userId)).filter((e) => e.event_type === 'created');
    assert.deepEqual(
      created.map((e) => e.project_id),
      [inbox.id],
      'one created event, for the Inbox',
    );
  });

  test('create: 201, Location, ETag, defaults, lower-cased colour, at the end of the order; bad input 422 and nothing written', async () => {
    const a = await u.api.post(u.projects, { name: '  Work  ', color: '#A1B2C3' });
    assert.equal(a.status, 201);
    assert.equal(a.headers.get('location'), `${u.projects}/${a.body.id}`);
    assert.equal(a.headers.get('etag'), '"1"');
    assert.equal(a.body.name, 'Work');
    assert.equal(a.body.color, '#a1b2c3');
    assert.equal(a.body.inbox, false);
    assert.equal(a.body.open_task_count, 0);
    const b = await u.api.post(u.projects, { name: 'Home' });
    assert.equal(b.body.color, '#808080');
    const names = (await u.api.get(u.projects)).body.map((p: any) => p.name);
    assert.deepEqual(names, ['Inbox', 'Work', 'Home']);
    for (const [body, field] of [
      [{ name: '   ' }, 'name'],
      [{ name: '\u3000\ufeff\u00a0\t' }, 'name'],
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: 'ok', color: 'red' }, 'color'],
      [{ name: 'ok', inbox: true }, 'inbox'],
      [{ name: 'ok', owner_id: 'someone' }, 'owner_id'],
    ] as const) {
      const r = await u.api.post(u.projects, body);
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.ok(
        r.body.errors.some((e: any) => e.field === field),
        `${field}: ${JSON.stringify(r.body.errors)}`,
      );
    }
    assert.equal((await u.api.get(u.projects)).body.length, 3, 'no partial write');
  });

  test('get/put with ETag and If-Match (412 when stale); archive; the Inbox cannot be archived (422) or deleted (409)', async () => {
    const p = (await u.api.post(u.projects, { name: 'Errands' })).body;
    const got = await u.api.get(`${u.projects}/${p.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('etag'), '"1"');
    const put = await u.api.put(`${u.projects}/${p.id}`, { name: 'Shopping', archived: true }, { 'if-match': '"1"' });
    assert.equal(put.status, 200);
    assert.equal(put.body.name, 'Shopping');
    assert.equal(put.body.archived, true);
    assert.equal(put.body.version, 2);
    const stale = await u.api.put(`${u.projects}/${p.id}`, { name: 'Lost' }, { 'if-match': '"1"' });
    assert.equal(stale.status, 412);
    assert.equal((await u.api.get(`${u.projects}/${p.id}`)).body.name, 'Shopping');
    const archived = (await u.api.get(`${u.projects}?archived=true`)).body.map((x: any) => x.id);
    assert.deepEqual(archived, [p.id]);
    const created = await u.api.post(u.tasks, { title: 'in archive', project_id: p.id });
    assert.equal(created.status, 422, 'no new task in an archived project');
    assert.equal(created.body.errors[0].field, 'project_id');

    const inbox = await inboxOf(u);
    const arch = await u.api.put(`${u.projects}/${inbox.id}`, { archived: true });
    assert.equal(arch.status, 422);
    assert.equal(arch.body.errors[0].field, 'archived');
    const renamed = await u.api.put(`${u.projects}/${inbox.id}`, { name: 'Eingang', color: '#00ff00' });
    assert.equal(renamed.status, 200, 'the Inbox can be renamed and recoloured');
    assert.equal(renamed.body.inbox, true);
    const del = await u.api.del(`${u.projects}/${inbox.id}`);
    assert.equal(del.status, 409);
    assert.equal((await u.api.get(`${u.projects}/${inbox.id}`)).status, 200);
  });

  test("another user's project is 404 everywhere, and nothing changes", async () => {
    const other = await user('proj-other');
    const theirs = (await other.api.post(other.projects, { name: 'Secret' })).body;
    const theirInbox = await inboxOf(other);
    for (const id of [theirs.id, theirInbox.id, 2147483000]) {
      assert.equal((await u.api.get(`${u.projects}/${id}`)).status, 404);
      assert.equal((await u.api.put(`${u.projects}/${id}`, { name: 'mine' })).status, 404);
      assert.equal((await u.api.del(`${u.projects}/${id}`)).status, 404);
      assert.equal((await u.api.post(`${u.projects}/${id}/move`, {})).status, 404);
      assert.equal((await u.api.get(`${u.tasks}?project_id=${id}`)).status, 404);
      assert.equal((await u.api.post(u.tasks, { title: 'x', project_id: id })).status, 404);
    }
    assert.equal((await other.api.get(`${other.projects}/${theirs.id}`)).body.name, 'Secret');
    assert.equal((await other.api.get(other.projects)).body.length, 2);
  });

  test('reorder projects: before/after another, at the end; unknown anchor 422', async () => {
    const v = await user('proj-order');
    const ids: number[] = [];
    for (const name of ['A', 'B', 'C']) ids.push((await v.api.post(v.projects, { name })).body.id);
    const names = async () => (await v.api.get(v.projects)).body.map((p: any) => p.name);
    const moved = await v.api.post(`${v.projects}/${ids[2]}/move`, { before_id: ids[0] });
    assert.equal(moved.status, 200);
    assert.deepEqual(await names(), ['Inbox', 'C', 'A', 'B']);
    await v.api.post(`${v.projects}/${ids[2]}/move`, { after_id: ids[1] });
    assert.deepEqual(await names(), ['Inbox', 'A', 'B', 'C']);
    await v.api.post(`${v.projects}/${ids[0]}/move`, {});
    assert.deepEqual(await names(), ['Inbox', 'B', 'C', 'A']);
    const bad = await v.api.post(`${v.projects}/${ids[0]}/move`, { after_id: 2147483000 });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.errors[0].field, 'after_id');
    // a rule of the schema (not: both), so the document says it too
    const both = await v.api.post(`${v.projects}/${ids[0]}/move`, { before_id: ids[1], after_id: ids[2] });
    assert.equal(both.status, 422);
    assert.deepEqual(both.body.errors, [{ field: 'after_id', message: 'give before_id or after_id, not both' }]);
    assert.deepEqual(await names(), ['Inbox', 'B', 'C', 'A'], 'nothing moved');
  });

  test('delete: the project and all its tasks (subtasks too) in one transaction, one deleted event per task', async () => {
    const p = (await u.api.post(u.projects, { name: 'Doomed' })).body;
    const parent = (await u.api.post(u.tasks, { title: 'parent', project_id: p.id })).body;
    const child = (await u.api.post(u.tasks, { title: 'child', parent_id: parent.id })).body;
    const other = (await u.api.post(u.tasks, { title: 'other', project_id: p.id })).body;
    assert.equal(child.project_id, p.id);
    assert.equal((await u.api.get(`${u.projects}/${p.id}`)).body.open_task_count, 3);
    const stale = await u.api.del(`${u.projects}/${p.id}`, { 'if-match': '"7"' });
    assert.equal(stale.status, 412);
    const del = await u.api.del(`${u.projects}/${p.id}`);
    assert.equal(del.status, 204);
    assert.equal((await u.api.get(`${u.projects}/${p.id}`)).status, 404);
    for (const t of [parent, child, other]) assert.equal((await u.api.get(`${u.tasks}/${t.id}`)).status, 404);
    const deleted = (await events('task-events', u.me.userId)).filter((e) => e.event_type === 'deleted');
    assert.deepEqual(deleted.map((e) => e.task_id).sort(), [parent.id, child.id, other.id].sort());
    for (const e of deleted) assert.equal(e.project_id, p.id);
    const projectDeleted = (await events('project-events', u.me.userId)).filter((e) => e.event_type === 'deleted');
    assert.deepEqual(
      projectDeleted.map((e) => e.project_id),
      [p.id],
    );
  });
});

describe('task fields and subtasks', () => {
  let u: User;
  before(async () => {
    u = await user('sub');
  });

  test('a new task goes to the Inbox by default, to a given project, or under a parent (its project); events carry the place', async () => {
    const inbox = await inboxOf(u);
    const work = (await u.api.post(u.projects, { name: 'Work' })).body;
    const t1 = (await u.api.post(u.tasks, { title: 'default' })).body;
    assert.equal(t1.project_id, inbox.id);
    assert.equal(t1.parent_id, null);
    assert.equal(t1.assignee_id, null);
    const t2 = (await u.api.post(u.tasks, { title: 'work', project_id: work.id })).body;
    assert.equal(t2.project_id, work.id);
    const sub = await u.api.post(u.tasks, { title: 'sub', parent_id: t2.id });
    assert.equal(sub.status, 201);
    assert.equal(sub.body.project_id, work.id);
    assert.equal(sub.body.parent_id, t2.id);
    const parent = (await u.api.get(`${u.tasks}/${t2.id}`)).body;
    assert.equal(parent.subtask_count, 1);
    assert.equal(parent.completed_subtask_count, 0);
    const wrong = await u.api.post(u.tasks, { title: 'mismatch', parent_id: t2.id, project_id: inbox.id });
    assert.equal(wrong.status, 422);
    assert.equal(wrong.body.errors[0].field, 'parent_id');
    const created = (await events('task-events', u.me.userId)).find((e) => e.task_id === sub.body.id);
    assert.equal(created.event_type, 'created');
    assert.equal(created.project_id, work.id);
    assert.equal(created.parent_id, t2.id);
    assert.equal(created.assignee_id, null);
    assert.equal(created.data.project_id, work.id);
  });

  test('at most 4 levels: a 5th is 422 (create and move), nothing written', async () => {
    let parent = (await u.api.post(u.tasks, { title: 'L1' })).body;
    const chain = [parent];
    for (const level of [2, 3, 4]) {
      parent = (await u.api.post(u.tasks, { title: `L${level}`, parent_id: parent.id })).body;
      assert.equal(parent.parent_id, chain.at(-1).id);
      chain.push(parent);
    }
    const before = (await u.api.get(u.tasks)).headers.get('x-total-count');
    const deep = await u.api.post(u.tasks, { title: 'L5', parent_id: parent.id });
    assert.equal(deep.status, 422);
    assert.equal(deep.body.errors[0].field, 'parent_id');
    assert.equal((await u.api.get(u.tasks)).headers.get('x-total-count'), before);
    // a two-level tree under level 3 would reach level 5
    const two = (await u.api.post(u.tasks, { title: 'T' })).body;
    await u.api.post(u.tasks, { title: 'T child', parent_id: two.id });
    const move = await u.api.post(`${u.tasks}/${two.id}/move`, { parent_id: chain[2].id });
    assert.equal(move.status, 422);
    assert.equal((await u.api.get(`${u.tasks}/${two.id}`)).body.parent_id, null);
    assert.equal((await u.api.post(`${u.tasks}/${two.id}/move`, { parent_id: chain[1].id })).status, 200, 'level 3 + 2 = 4 fits');
  });

  test("another user's task as parent, anchor or filter is 404", async () => {
    const other = await user('sub-other');
    const theirs = (await other.api.post(other.tasks, { title: 'theirs' })).body;
    const mine = (await u.api.post(u.tasks, { title: 'mine' })).body;
    assert.equal((await u.api.post(u.tasks, { title: 'x', parent_id: theirs.id })).status, 404);
    assert.equal((await u.api.get(`${u.tasks}?parent_id=${theirs.id}`)).status, 404);
    assert.equal((await u.api.post(`${u.tasks}/${mine.id}/move`, { parent_id: theirs.id })).status, 404);
    assert.equal((await u.api.post(`${u.tasks}/${mine.id}/move`, { after_id: theirs.id })).status, 404);
    assert.equal((await u.api.post(`${u.tasks}/${theirs.id}/move`, {})).status, 404);
    assert.equal((await other.api.get(`${other.tasks}/${theirs.id}`)).body.version, 1, 'untouched');
  });

  test('list filters: project_id, parent_id, top_level; subtask counts in lists', async () => {
    const p = (await u.api.post(u.projects, { name: 'Filters' })).body;
    const a = (await u.api.post(u.tasks, { title: 'a', project_id: p.id })).body;
    const b = (await u.api.post(u.tasks, { title: 'b', project_id: p.id })).body;
    const a1 = (await u.api.post(u.tasks, { title: 'a1', parent_id: a.id })).body;
    const a2 = (await u.api.post(u.tasks, { title: 'a2', parent_id: a.id })).body;
    await u.api.patch(`${u.tasks}/${a2.id}/complete`);
    const all = await u.api.get(`${u.tasks}?project_id=${p.id}`);
    assert.equal(all.headers.get('x-total-count'), '4');
    const top = await u.api.get(`${u.tasks}?project_id=${p.id}&top_level=true&sort=position`);
    assert.deepEqual(
      top.body.map((t: any) => t.id),
      [a.id, b.id],
    );
    assert.deepEqual(
      top.body.map((t: any) => [t.subtask_count, t.completed_subtask_count]),
      [
        [2, 1],
        [0, 0],
      ],
    );
    assert.deepEqual(await order(u, `parent_id=${a.id}`), [a1.id, a2.id]);
    // keyset pages in manual order: one task a page, following the Link header
    const walked: number[] = [];
    for (let url: string | null = `${u.tasks}?project_id=${p.id}&sort=position&limit=1`; url;) {
      const page: { status: number; body: any[]; headers: Headers } = await u.api.get(url);
      assert.equal(page.status, 200);
      walked.push(...page.body.map((t: any) => t.id));
      url = /<([^>]+)>;\s*rel="next"/.exec(page.headers.get('link') ?? '')?.[1] ?? null;
    }
    const all4 = (await u.api.get(`${u.tasks}?project_id=${p.id}&sort=position&limit=10`)).body.map((t: any) => t.id);
    assert.deepEqual(walked, all4);
    assert.equal(walked.length, 4);
    const bad = await u.api.get(`${u.tasks}?top_level=maybe`);
    assert.equal(bad.status, 422);
  });
});

describe('move and manual order', () => {
  let u: User;
  before(async () => {
    u = await user('move');
  });

  test('after_id, before_id, end; the keys order the list; ties from concurrent appends still place exactly', async () => {
    const p = (await u.api.post(u.projects, { name: 'Order' })).body;
    const ids: number[] = [];
    for (const title of ['1', '2', '3', '4']) ids.push((await u.api.post(u.tasks, { title, project_id: p.id })).body.id);
    const q = `project_id=${p.id}&top_level=true`;
    assert.deepEqual(await order(u, q), ids);
    const [t1, t2, t3, t4] = ids as [number, number, number, number];
    const m = await u.api.post(`${u.tasks}/${t4}/move`, { after_id: t1 });
    assert.equal(m.status, 200);
    assert.equal(m.headers.get('etag'), `"${m.body.version}"`);
    assert.deepEqual(await order(u, q), [t1, t4, t2, t3]);
    await u.api.post(`${u.tasks}/${t1}/move`, { before_id: t3 });
    assert.deepEqual(await order(u, q), [t4, t2, t1, t3]);
    await u.api.post(`${u.tasks}/${t4}/move`, {});
    assert.deepEqual(await order(u, q), [t2, t1, t3, t4]);
    await u.api.post(`${u.tasks}/${t3}/move`, { before_id: t2 });
    assert.deepEqual(await order(u, q), [t3, t2, t1, t4]);
    // many moves into one spot: keys grow but stay ordered
    for (let i = 0; i < 30; i++) await u.api.post(`${u.tasks}/${i % 2 ? t1 : t4}/move`, { after_id: t3 });
    assert.deepEqual(await order(u, q), [t3, t1, t4, t2]);
    // a tie (two appends that read the same last key): a move next to it still lands exactly
    await sql`UPDATE tasks SET position = (SELECT position FROM tasks WHERE id = ${t1}) WHERE id = ${t4}`.execute(db());
    assert.deepEqual(await order(u, q), [t3, t1, t4, t2], 'ties are ordered by id');
    await u.api.post(`${u.tasks}/${t2}/move`, { after_id: t1 });
    assert.deepEqual(await order(u, q), [t3, t1, t2, t4]);
    const tied = (await events('task-events', u.me.userId)).filter((e) => e.task_id === t4).at(-1);
    assert.equal(tied.event_type, 'updated', 'the re-keyed tie got its event');
  });

  test('bad moves are 422 and change nothing: both anchors, an anchor of another list, a cycle, itself', async () => {
    const a = (await u.api.post(u.tasks, { title: 'a' })).body;
    const b = (await u.api.post(u.tasks, { title: 'b' })).body;
    const a1 = (await u.api.post(u.tasks, { title: 'a1', parent_id: a.id })).body;
    const cases: [unknown, number, string][] = [
      [{ before_id: b.id, after_id: b.id }, a.id, 'after_id'],
      [{ parent_id: b.id, after_id: a1.id }, a.id, 'after_id'],
      [{ parent_id: a1.id }, a.id, 'parent_id'],
      [{ parent_id: a.id }, a.id, 'parent_id'],
      [{ after_id: a.id }, a.id, 'after_id'],
    ];
    for (const [body, id, field] of cases) {
      const before = (await u.api.get(`${u.tasks}/${id}`)).body;
      const r = await u.api.post(`${u.tasks}/${id}/move`, body);
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal(r.body.errors[0].field, field, JSON.stringify(r.body));
      assert.deepEqual((await u.api.get(`${u.tasks}/${id}`)).body, before);
    }
    const stale = await u.api.post(`${u.tasks}/${b.id}/move`, {}, { 'if-match': '"99"' });
    assert.equal(stale.status, 412);
  });

  test('to another project: the subtasks follow (each updated), into a parent, back to the top level; PUT project_id moves too', async () => {
    const from = (await u.api.post(u.projects, { name: 'From' })).body;
    const to = (await u.api.post(u.projects, { name: 'To' })).body;
    const parent = (await u.api.post(u.tasks, { title: 'parent', project_id: from.id })).body;
    const kid = (await u.api.post(u.tasks, { title: 'kid', parent_id: parent.id })).body;
    const grandkid = (await u.api.post(u.tasks, { title: 'grandkid', parent_id: kid.id })).body;
    const target = (await u.api.post(u.tasks, { title: 'target', project_id: to.id })).body;
    const moved = await u.api.post(`${u.tasks}/${parent.id}/move`, { project_id: to.id, before_id: target.id });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.project_id, to.id);
    assert.equal(moved.body.subtask_count, 1);
    for (const t of [kid, grandkid]) {
      const now = (await u.api.get(`${u.tasks}/${t.id}`)).body;
      assert.equal(now.project_id, to.id);
      const last = (await events('task-events', u.me.userId)).filter((e) => e.task_id === t.id).at(-1);
      assert.equal(last.event_type, 'updated');
      assert.equal(last.project_id, to.id);
    }
    assert.deepEqual(await order(u, `project_id=${to.id}&top_level=true`), [parent.id, target.id]);
    assert.equal((await u.api.get(`${u.tasks}?project_id=${from.id}`)).headers.get('x-total-count'), '0');
    // the anchor's list when no project/parent is given: next to `kid`, i.e. under `parent`
    const under = await u.api.post(`${u.tasks}/${target.id}/move`, { after_id: kid.id });
    assert.equal(under.body.parent_id, parent.id);
    assert.deepEqual(await order(u, `parent_id=${parent.id}`), [kid.id, target.id]);
    const top = await u.api.post(`${u.tasks}/${target.id}/move`, { parent_id: null });
    assert.equal(top.body.parent_id, null);
    assert.deepEqual(await order(u, `project_id=${to.id}&top_level=true`), [parent.id, target.id]);
    const put = await u.api.put(`${u.tasks}/${parent.id}`, { project_id: from.id, title: 'parent again' });
    assert.equal(put.status, 200);
    assert.equal(put.body.project_id, from.id);
    assert.equal(put.body.title, 'parent again');
    assert.equal((await u.api.get(`${u.tasks}/${grandkid.id}`)).body.project_id, from.id);
  });
});

describe('completing a parent', () => {
  test('completes its open subtasks (all levels), each with its own completed event, in the same transaction', async () => {
    const u = await user('complete');
    const parent = (await u.api.post(u.tasks, { title: 'parent' })).body;
    const a = (await u.api.post(u.tasks, { title: 'a', parent_id: parent.id })).body;
    const b = (await u.api.post(u.tasks, { title: 'b', parent_id: parent.id })).body;
    const b1 = (await u.api.post(u.tasks, { title: 'b1', parent_id: b.id })).body;
    await u.api.patch(`${u.tasks}/${a.id}/complete`);
    const aVersion = (await u.api.get(`${u.tasks}/${a.id}`)).body.version;
    const seqBefore = (await events('task-events', u.me.userId)).length;
    const done = await u.api.patch(`${u.tasks}/${parent.id}/complete`, { completed: true });
    assert.equal(done.status, 200);
    assert.equal(done.body.completed, true);
    assert.equal(done.body.subtask_count, 2);
    assert.equal(done.body.completed_subtask_count, 2);
    for (const t of [b, b1]) assert.equal((await u.api.get(`${u.tasks}/${t.id}`)).body.completed, true);
    assert.equal((await u.api.get(`${u.tasks}/${a.id}`)).body.version, aVersion, 'an already completed subtask is untouched');
    const after = (await events('task-events', u.me.userId)).slice(seqBefore);
    assert.deepEqual(
      after.map((e) => [e.task_id, e.event_type]),
      [
        [b.id, 'completed'],
        [b1.id, 'completed'],
        [parent.id, 'completed'],
      ],
    );
    // un-completing the parent leaves its subtasks as they are
    await u.api.patch(`${u.tasks}/${parent.id}/complete`, { completed: false });
    assert.equal((await u.api.get(`${u.tasks}/${b.id}`)).body.completed, true);
  });

  test('the next occurrence of a recurring parent copies its subtasks reopened, once, even when the event is delivered again', async () => {
    const u = await user('recur');
    const due = new Date(Date.now() + 86_400_000);
    due.setUTCHours(9, 0, 0, 0);
    const parent = (await u.api.post(u.tasks, { title: 'weekly review', due_date: due.toISOString(), recurrence: 'weekly' })).body;
    const s1 = (await u.api.post(u.tasks, { title: 'inbox zero', parent_id: parent.id })).body;
    const s2 = (
      await u.api.post(u.tasks, { title: 'plan', parent_id: parent.id, due_date: new Date(due.getTime() - 3_600_000).toISOString() })
    ).body;
    await u.api.post(u.tasks, { title: 'plan detail', parent_id: s2.id });
    await u.api.patch(`${u.tasks}/${s1.id}/complete`);
    const done = await u.api.patch(`${u.tasks}/${parent.id}/complete`, { completed: true });
    assert.equal(done.body.completed, true);
    const next = await eventually(async () => {
      const r = await u.api.get(`${u.tasks}?status=pending&top_level=true&q=weekly`);
      return r.body.find((t: any) => t.id !== parent.id);
    });
    assert.equal(Date.parse(next.due_date), due.getTime() + 7 * 86_400_000);
    assert.equal(next.project_id, parent.project_id);
    assert.equal(next.subtask_count, 2);
    assert.equal(next.completed_subtask_count, 0, 'reopened');
    const kids = (await u.api.get(`${u.tasks}?parent_id=${next.id}&sort=position`)).body;
    assert.deepEqual(
      kids.map((k: any) => [k.title, k.completed, k.recurrence]),
      [
        ['inbox zero', false, null],
        ['plan', false, null],
      ],
    );
    assert.equal(Date.parse(kids[1].due_date), Date.parse(s2.due_date) + 7 * 86_400_000, "a subtask's date moves with its parent");
    const grandkids = (await u.api.get(`${u.tasks}?parent_id=${kids[1].id}`)).body;
    assert.deepEqual(
      grandkids.map((k: any) => [k.title, k.completed]),
      [['plan detail', false]],
    );
    // the same completed event again (a redelivery): no second occurrence, no second copy
    const event = (await events('task-events', u.me.userId)).find(
      (e) => e.task_id === parent.id && e.event_type === 'completed',
    ) as TaskEvent;
    const consumer = nextOccurrenceProcessor({ db: db(), now: () => new Date(), changed: () => undefined });
    await consumer.handle(event);
    await consumer.handle({ ...event, event_id: crypto.randomUUID() }); // even as another event: spawned_from holds
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tasks WHERE user_id = ${u.me.userId}`.execute(db());
    assert.equal(rows[0]!.n, 4 + 4, 'the 4 originals and one copy of each');
  });
});

describe('preferences: week_start and name', () => {
  test('get, partial put, validation', async () => {
    const u = await user('prefs');
    const url = `/api/${u.me.userId}/preferences`;
    assert.deepEqual((await u.api.get(url)).body, { timezone: 'UTC', week_start: 'monday', name: 'prefs' });
    const put = await u.api.put(url, { week_start: 'sunday', name: '  Pat  ' });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, { timezone: 'UTC', week_start: 'sunday', name: 'Pat' });
    assert.deepEqual((await u.api.get(url)).body, { timezone: 'UTC', week_start: 'sunday', name: 'Pat' });
    for (const [body, field] of [
      [{ week_start: 'friday' }, 'week_start'],
      [{ name: '   ' }, 'name'],
      [{ name: '' }, 'name'],
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
    ] as const) {
      const r = await u.api.put(url, body);
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal(r.body.errors[0].field, field);
    }
    assert.deepEqual((await u.api.get(url)).body, { timezone: 'UTC', week_start: 'sunday', name: 'Pat' });
  });
});

describe('views in the user zone, and limits (own app: a fixed clock, low limits)', () => {
  // 20:00 UTC on 4 Dec is 09:00 on 5 Dec in Auckland (UTC+13): "today" there ends at 11:00 UTC on 5 Dec
  const NOW = new Date('2026-12-04T20:00:00.000Z');
  let v: TestApp;
  let s: Session;
  let api: ReturnType<typeof client>;
  let tasks: string;
  before(async () => {
    v = await startTestApp({ LIMIT_PROJECTS: '3', LIMIT_PROJECT_TASKS: '12', LIMIT_TASK_LEVELS: '2' }, { now: () => new Date(NOW) });
    s = await signUp(v.url, 'views');
    api = client(v.url, s.token);
    tasks = `/api/${s.userId}/tasks`;
  });
  after(async () => v?.close());

  test('today = open tasks due before the end of the local day, overdue included; upcoming = now to the end of the N-th day', async () => {
    assert.equal((await api.put(`/api/${s.userId}/preferences`, { timezone: 'Pacific/Auckland' })).status, 200);
    const mk = async (title: string, due: string | null, completed = false) =>
      (await api.post(tasks, { title, due_date: due, completed })).body.id as number;
    const overdue = await mk('overdue', '2026-12-01T10:00:00Z');
    await mk('done overdue', '2026-12-01T10:00:00Z', true);
    const lateToday = await mk('23:30 local today', '2026-12-05T10:30:00Z');
    const tomorrow = await mk('00:30 local tomorrow', '2026-12-05T11:30:00Z');
    const day3 = await mk('local 7 Dec 12:00', '2026-12-06T23:00:00Z');
    const far = await mk('in two weeks', '2026-12-18T00:00:00Z');
    await mk('no date', null);
    const ids = async (q: string) => {
      const r = await api.get(`${tasks}?${q}&sort=due_date&limit=200`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.map((t: any) => t.id);
    };
    assert.deepEqual(await ids('view=today'), [overdue, lateToday]);
    // the same instant in UTC: today ended at midnight UTC, before 10:30
    assert.deepEqual(await ids('view=today&tz=UTC'), [overdue]);
    assert.deepEqual(await ids('view=upcoming&days=2'), [lateToday, tomorrow]);
    assert.deepEqual(await ids('view=upcoming&days=3'), [lateToday, tomorrow, day3]);
    assert.deepEqual(await ids('view=upcoming'), [lateToday, tomorrow, day3], 'default 7 days');
    assert.deepEqual(await ids('view=upcoming&days=30'), [lateToday, tomorrow, day3, far]);
    for (const q of ['view=someday', 'view=upcoming&days=0', 'view=today&days=3', 'view=today&tz=Mars/Olympus']) {
      const r = await api.get(`${tasks}?${q}`);
      assert.equal(r.status, 422, q);
    }
  });

  test('limits: projects per user, levels, tasks per project → 422 naming the field', async () => {
    const projects = `/api/${s.userId}/projects`;
    assert.equal((await api.post(projects, { name: 'one' })).status, 201);
    const two = await api.post(projects, { name: 'two' });
    assert.equal(two.status, 201);
    const third = await api.post(projects, { name: 'three' });
    assert.equal(third.status, 422, 'the Inbox counts: 3 projects in all');
    assert.equal((await api.get(projects)).body.length, 3);
    const top = (await api.post(tasks, { title: 'top', project_id: two.body.id })).body;
    const sub = await api.post(tasks, { title: 'sub', parent_id: top.id });
    assert.equal(sub.status, 201);
    const subsub = await api.post(tasks, { title: 'subsub', parent_id: sub.body.id });
    assert.equal(subsub.status, 422);
    assert.equal(subsub.body.errors[0].field, 'parent_id');
    let status = 201;
    let made = 2;
    while (status === 201 && made < 20) {
      status = (await api.post(tasks, { title: `fill ${made}`, project_id: two.body.id })).status;
      if (status === 201) made++;
    }
    assert.equal(status, 422);
    assert.equal(made, 12, 'exactly LIMIT_PROJECT_TASKS tasks');
    const inboxTask = (await api.post(tasks, { title: 'in inbox' })).body;
    const move = await api.post(`${tasks}/${inboxTask.id}/move`, { project_id: two.body.id });
    assert.equal(move.status, 422, 'moving into a full project is refused too');
    assert.equal(move.body.errors[0].field, 'project_id');
  });
});
