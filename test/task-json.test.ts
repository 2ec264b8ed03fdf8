/**
 * Two renderers of one representation: a page of tasks is JSON written by PostgreSQL
 * (src/tasks/task-json.ts), a single task is `toTask` in Node (src/tasks/mapper.ts). Every field
 * of every kind of task must come out the same from both, byte for byte once parsed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { client, signUp, type Client, type Session, type TestApp } from './support/app.js';
import { appWithUser } from './support/util.js';

let app: TestApp;
let me: Session;
let api: Client;
let tasks: string;

before(async () => {
  ({ app, me, api, tasks } = await appWithUser('renderers'));
});
after(() => app?.close());

const create = async (body: Record<string, unknown>) => {
  const r = await api.post(tasks, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: number };
};

/** Each task of the list equals the same task read alone. */
async function assertSameAsSingle(query: string): Promise<number> {
  const page = await api.get(`${tasks}?status=all&limit=200${query}`);
  assert.equal(page.status, 200);
  for (const listed of page.body as { id: number }[]) {
    const single = await api.get(`${tasks}/${listed.id}`);
    assert.deepEqual(listed, single.body, `task ${listed.id}`);
  }
  return page.body.length;
}

test('every field of every kind of task: the list renders what a single read renders', async () => {
  await create({ title: 'plain' });
  for (const priority of ['none', 'low', 'medium', 'high', 'urgent']) await create({ title: `p ${priority}`, priority });
  await create({
    title: 'quotes " and \\ backslash, tab\tand émoji 🎉, אבג',
    description: 'line one\nline two\r\n\u0001? no: "json" </script>',
    tags: ['work', 'ünïcode', 'a"b'],
    due_date: '2031-05-01T12:30:00.123Z',
    timezone: 'America/New_York',
    reminders: [{ before_minutes: 30 }, { at: '2031-04-30T18:00:00-04:00' }],
  });
  await create({ title: 'weekly', due_date: '2031-05-05T09:00:00Z', recurrence: 'FREQ=WEEKLY;BYDAY=MO' });
  await create({ title: 'after completion', due_date: '2031-05-05T09:00:00Z', recurrence: 'FREQ=DAILY', recurrence_basis: 'completion' });
  const parent = await create({ title: 'parent' });
  const child = await create({ title: 'child', parent_id: parent.id });
  await create({ title: 'child two', parent_id: parent.id });
  assert.equal((await api.patch(`${tasks}/${child.id}/complete`, { completed: true })).status, 200);
  const done = await create({ title: 'done' });
  assert.equal((await api.patch(`${tasks}/${done.id}/complete`, { completed: true })).status, 200);
  assert.equal(await assertSameAsSingle(''), 13);
});

test('timestamps with microseconds (written by SQL, not by the service) show the same milliseconds', async () => {
  const t = await create({ title: 'microseconds', due_date: '2031-01-01T00:00:00Z' });
  await sql`UPDATE tasks SET created_at = '2026-03-01 10:00:00.123999+00', updated_at = '2026-03-01 10:00:00.000001+00',
            due_date = '2031-01-01 00:00:00.9995+00', completed_at = '1900-01-01 00:00:00.5+00'
            WHERE id = ${t.id}`.execute(app.running.services.db);
  await assertSameAsSingle('&q=microseconds');
});

test('a restored task and a row changed by plain SQL: rendered again, whoever writes the row', async () => {
  const t = await create({ title: 'deleted then restored', tags: ['back'] });
  assert.equal((await api.del(`${tasks}/${t.id}`)).status, 204);
  assert.equal((await api.post(`${tasks}/${t.id}/restore`, {})).status, 200);
  await sql`UPDATE tasks SET assignee_id = NULL, title = 'changed by SQL' WHERE id = ${t.id}`.execute(app.running.services.db);
  const single = await api.get(`${tasks}/${t.id}`);
  assert.equal(single.body.title, 'changed by SQL');
  assert.equal(await assertSameAsSingle('&tag=back'), 1);
});

test('a shared project: the assignee and the other member’s tasks render alike', async () => {
  const ann = { me, api, projects: `/api/${me.userId}/projects` };
  const ben = await signUp(app.url, 'renderers-ben');
  const project = (await ann.api.post(ann.projects, { name: 'shared' })).body as { id: number };
  assert.equal((await ann.api.post(`${ann.projects}/${project.id}/members`, { email: ben.email, role: 'editor' })).status, 201);
  await create({ title: 'for ben', project_id: project.id, assignee_id: ben.userId });
  const benApi = client(app.url, ben.token);
  assert.equal((await benApi.post(`/api/${ben.userId}/tasks`, { title: 'by ben', project_id: project.id })).status, 201);
  assert.equal(await assertSameAsSingle(`&project_id=${project.id}`), 2);
});
