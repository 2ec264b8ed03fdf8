/**
 * Undoing a delete: `POST /api/{user_id}/tasks/{id}/restore` brings back the same task —
 * its id, its history, its subtasks and place — with a `created` event marked `restored` that every
 * consumer reads as a task appearing (history, live lists, webhooks); reminders still ahead fire
 * again; a completed recurring task does not spawn a second next occurrence; who may restore follows
 * who may delete; the grace period ends.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { client, eventually, signUp, type Session, type TestApp } from './support/app.js';
import { drained, startTestApp } from './support/util.js';

let app: TestApp;
before(async () => {
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: '1' });
});
after(async () => app?.close());

type Api = ReturnType<typeof client>;
async function user(name: string): Promise<{ me: Session; api: Api; tasks: string }> {
  const me = await signUp(app.url, name);
  return { me, api: client(app.url, me.token), tasks: `/api/${me.userId}/tasks` };
}
const db = () => app.running.services.db;
const outboxOf = async (taskId: number) =>
  (
    await sql<{ payload: any }>`SELECT payload FROM outbox WHERE topic = 'task-events' AND key = ${String(taskId)} ORDER BY seq`.execute(
      db(),
    )
  ).rows.map((r) => r.payload);

describe('restore a deleted task', () => {
  test('the same task comes back: id, fields, place and history, with a created event marked restored', async () => {
    const u = await user('restore');
    const first = (await u.api.post(u.tasks, { title: 'Before' })).body;
    const t = (await u.api.post(u.tasks, { title: 'Keep me', description: 'notes', priority: 'high', tags: ['home'] })).body;
    const after = (await u.api.post(u.tasks, { title: 'After' })).body;
    await u.api.put(`${u.tasks}/${t.id}`, { title: 'Keep me, edited' });
    assert.equal((await u.api.del(`${u.tasks}/${t.id}`)).status, 204);
    assert.equal((await u.api.get(`${u.tasks}/${t.id}`)).status, 404);

    const r = await u.api.post(`${u.tasks}/${t.id}/restore`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.id, t.id, 'same id');
    assert.equal(r.body.title, 'Keep me, edited');
    assert.equal(r.body.description, 'notes');
    assert.deepEqual(r.body.tags, ['home']);
    assert.equal(r.body.created_at, t.created_at, 'created when it was created');
    assert.equal(r.body.version, 3, 'one version on from the deleted one (2)');
    assert.equal(r.headers.get('etag'), '"3"');
    assert.deepEqual(
      (await u.api.get(`${u.tasks}?sort=position&top_level=true&project_id=${t.project_id}`)).body.map((x: any) => x.id),
      [first.id, t.id, after.id],
      'back in its place',
    );

    await drained(app);
    const h = (await u.api.get(`${u.tasks}/${t.id}/history`)).body;
    assert.deepEqual(
      h.map((e: any) => e.event_type),
      ['created', 'updated', 'deleted', 'created'],
      'its history goes on',
    );
    const events = await outboxOf(t.id);
    const last = events[events.length - 1];
    assert.equal(last.event_type, 'created');
    assert.equal(last.restored, true);
    assert.equal(last.data.id, t.id);

    // a repeated restore (a retry) answers the task as it is and records nothing
    const again = await u.api.post(`${u.tasks}/${t.id}/restore`);
    assert.equal(again.status, 200);
    assert.equal(again.body.version, 3);
    assert.equal((await outboxOf(t.id)).length, events.length);
  });

  test('subtasks deleted with their parent come back with it; a subtask alone cannot be restored apart', async () => {
    const u = await user('restore-tree');
    const parent = (await u.api.post(u.tasks, { title: 'Parent' })).body;
    const child = (await u.api.post(u.tasks, { title: 'Child', parent_id: parent.id })).body;
    const grandchild = (await u.api.post(u.tasks, { title: 'Grandchild', parent_id: child.id })).body;
    assert.equal((await u.api.del(`${u.tasks}/${parent.id}`)).status, 204);

    const lone = await u.api.post(`${u.tasks}/${child.id}/restore`);
    assert.equal(lone.status, 409);
    assert.match(lone.body.detail, new RegExp(`task ${parent.id}`));

    const r = await u.api.post(`${u.tasks}/${parent.id}/restore`);
    assert.equal(r.status, 200);
    assert.equal(r.body.subtask_count, 1);
    const back = (await u.api.get(`${u.tasks}/${grandchild.id}`)).body;
    assert.equal(back.parent_id, child.id);
    assert.equal((await u.api.get(`${u.tasks}/${child.id}`)).body.parent_id, parent.id);
    const created = (await outboxOf(grandchild.id)).filter((e) => e.restored);
    assert.equal(created.length, 1);
  });

  test('a subtask whose parent is gone comes back at the top level of its project', async () => {
    const u = await user('restore-orphan');
    const parent = (await u.api.post(u.tasks, { title: 'Parent' })).body;
    const child = (await u.api.post(u.tasks, { title: 'Child', parent_id: parent.id })).body;
    assert.equal((await u.api.del(`${u.tasks}/${child.id}`)).status, 204);
    assert.equal((await u.api.del(`${u.tasks}/${parent.id}`)).status, 204);
    const r = await u.api.post(`${u.tasks}/${child.id}/restore`);
    assert.equal(r.status, 200);
    assert.equal(r.body.parent_id, null);
    assert.equal(r.body.project_id, child.project_id);
  });

  test('reminders still ahead are armed again; a completed recurring task does not spawn twice', async () => {
    const u = await user('restore-effects');
    const due = new Date(Date.now() + 3 * 3600_000).toISOString();
    const t = (await u.api.post(u.tasks, { title: 'Remind me', due_date: due, reminders: [{ before_minutes: 60 }] })).body;
    const pending = async (id: number) =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM reminders WHERE task_id = ${id} AND fired_at IS NULL`.execute(db())).rows[0]!
        .n;
    assert.equal(await pending(t.id), 1);
    await u.api.del(`${u.tasks}/${t.id}`);
    assert.equal(await pending(t.id), 0);
    await u.api.post(`${u.tasks}/${t.id}/restore`);
    assert.equal(await pending(t.id), 1, 'the reminder is armed again');

    const daily = (await u.api.post(u.tasks, { title: 'Daily chore', due_date: due, recurrence: 'daily' })).body;
    await u.api.patch(`${u.tasks}/${daily.id}/complete`, { completed: true });
    const spawned = await eventually(async () => {
      const list = (await u.api.get(`${u.tasks}?q=Daily%20chore&status=all`)).body;
      return list.length === 2 ? list : undefined;
    });
    assert.equal(spawned.length, 2);
    await u.api.del(`${u.tasks}/${daily.id}`);
    const r = await u.api.post(`${u.tasks}/${daily.id}/restore`);
    assert.equal(r.status, 200);
    assert.equal(r.body.completed, true);
    await drained(app);
    assert.equal((await u.api.get(`${u.tasks}?q=Daily%20chore&status=all`)).body.length, 2, 'no second next occurrence');
  });

  test('webhooks see the task appear again (task.created)', async () => {
    const u = await user('restore-hook');
    const hook = await u.api.post(`/api/${u.me.userId}/webhooks`, {
      url: 'http://127.0.0.1:9/hook',
      events: ['task.created', 'task.deleted'],
    });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    const t = (await u.api.post(u.tasks, { title: 'Hooked' })).body;
    await u.api.del(`${u.tasks}/${t.id}`);
    await u.api.post(`${u.tasks}/${t.id}/restore`);
    const types = await eventually(async () => {
      const { rows } = await sql<{ event_type: string }>`
        SELECT event_type FROM webhook_deliveries WHERE webhook_id = ${hook.body.id} AND (payload->'data'->>'id')::int = ${t.id}
        ORDER BY id`.execute(db());
      return rows.length === 3 ? rows.map((x) => x.event_type) : undefined;
    });
    assert.deepEqual(types, ['task.created', 'task.deleted', 'task.created']);
  });

  test("who may restore: another user's task is 404, a viewer gets 403, an editor may", async () => {
    const owner = await user('restore-owner');
    const [editor, viewer, outsider] = await Promise.all([user('restore-editor'), user('restore-viewer'), user('restore-outsider')]);
    const project = (await owner.api.post(`/api/${owner.me.userId}/projects`, { name: 'Shared' })).body;
    const members = `/api/${owner.me.userId}/projects/${project.id}/members`;
    await owner.api.post(members, { email: editor.me.email, role: 'editor' });
    await owner.api.post(members, { email: viewer.me.email, role: 'viewer' });
    const t = (await owner.api.post(owner.tasks, { title: 'Shared task', project_id: project.id })).body;
    await owner.api.del(`${owner.tasks}/${t.id}`);

    assert.equal((await outsider.api.post(`${outsider.tasks}/${t.id}/restore`)).status, 404);
    assert.equal((await viewer.api.post(`${viewer.tasks}/${t.id}/restore`)).status, 403);
    assert.equal((await owner.api.get(`${owner.tasks}/${t.id}`)).status, 404, 'refused restores changed nothing');
    const r = await editor.api.post(`${editor.tasks}/${t.id}/restore`);
    assert.equal(r.status, 200);
    assert.equal(r.body.user_id, owner.me.userId, 'still its creator’s');
  });

  test('the grace period: a deletion older than 30 days is gone; an archived project is restored first', async () => {
    const u = await user('restore-late');
    const t = (await u.api.post(u.tasks, { title: 'Long gone' })).body;
    await u.api.del(`${u.tasks}/${t.id}`);
    await sql`UPDATE deleted_tasks SET deleted_at = deleted_at - interval '31 days' WHERE task_id = ${t.id}`.execute(db());
    assert.equal((await u.api.post(`${u.tasks}/${t.id}/restore`)).status, 404);

    const project = (await u.api.post(`/api/${u.me.userId}/projects`, { name: 'Soon archived' })).body;
    const inArchive = (await u.api.post(u.tasks, { title: 'In an archive', project_id: project.id })).body;
    await u.api.del(`${u.tasks}/${inArchive.id}`);
    const archived = await u.api.put(`/api/${u.me.userId}/projects/${project.id}`, { archived: true });
    assert.equal(archived.status, 200);
    const refused = await u.api.post(`${u.tasks}/${inArchive.id}/restore`);
    assert.equal(refused.status, 409);
    assert.match(refused.headers.get('content-type') ?? '', /problem\+json/);
    await u.api.put(`/api/${u.me.userId}/projects/${project.id}`, { archived: false });
    assert.equal((await u.api.post(`${u.tasks}/${inArchive.id}/restore`)).status, 200);

    // a deleted project takes its deleted tasks with it
    const gone = (await u.api.post(`/api/${u.me.userId}/projects`, { name: 'Gone' })).body;
    const lost = (await u.api.post(u.tasks, { title: 'Lost', project_id: gone.id })).body;
    await u.api.del(`${u.tasks}/${lost.id}`);
    assert.equal((await u.api.del(`/api/${u.me.userId}/projects/${gone.id}`)).status, 204);
    assert.equal((await u.api.post(`${u.tasks}/${lost.id}/restore`)).status, 404);
  });
});
