/**
 * Sharing: members and roles (owner, editor, viewer; 403 for what a role may not do, 404 for what one cannot see), a shared project's tasks in every member's lists,
 * assignees, events with their audience, live updates to every member (and none after removal),
 * the `assigned` and `shared` notifications, reminders to the assignee. Embedded mode.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { client, eventually, signUp, type TestApp } from './support/app.js';
import { drained, openStream, sleep, startTestApp } from './support/util.js';

let app: TestApp;
/** registration is rate-limited per client: four users for the whole file, a fresh project per test */
let people: { owner: User; editor: User; viewer: User; outsider: User };
before(async () => {
  app = await startTestApp();
  const [owner, editor, viewer, outsider] = await Promise.all(['owner', 'editor', 'viewer', 'outsider'].map((n) => user(`share-${n}`)));
  people = { owner: owner!, editor: editor!, viewer: viewer!, outsider: outsider! };
});
after(async () => app?.close());

async function user(name: string) {
  const me = await signUp(app.url, name);
  const api = client(app.url, me.token);
  return { me, api, id: me.userId, tasks: `/api/${me.userId}/tasks`, projects: `/api/${me.userId}/projects` };
}
type User = Awaited<ReturnType<typeof user>>;

const db = () => app.running.services.db;

async function taskEvents(taskId: number): Promise<any[]> {
  const { rows } = await sql<{ payload: any }>`
    SELECT payload FROM outbox WHERE topic = 'task-events' AND key = ${String(taskId)} ORDER BY seq`.execute(db());
  return rows.map((r) => r.payload);
}

async function notificationsOf(u: User, type: string): Promise<any[]> {
  const r = await u.api.get(`/api/${u.id}/notifications`);
  assert.equal(r.status, 200);
  return r.body.filter((n: any) => n.type === type);
}

/** owner's project shared with an editor and a viewer; a fourth user sees nothing of it */
async function team(label: string) {
  const { owner, editor, viewer, outsider } = people;
  const project = (await owner.api.post(owner.projects, { name: `${label} groceries` })).body;
  const members = `${owner.projects}/${project.id}/members`;
  assert.equal((await owner.api.post(members, { email: editor.me.email.toUpperCase(), role: 'editor' })).status, 201);
  assert.equal((await owner.api.post(members, { email: viewer.me.email, role: 'viewer' })).status, 201);
  return { owner, editor, viewer, outsider, project, members };
}

describe('members', () => {
  test('the owner invites by email; every member reads the list, owner first; roles show on the project', async () => {
    const { owner, editor, viewer, outsider, project, members } = await team('m1');
    const list = await viewer.api.get(`${viewer.projects}/${project.id}/members`);
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.map((m: any) => [m.user_id, m.role]),
      [
        [owner.id, 'owner'],
        [editor.id, 'editor'],
        [viewer.id, 'viewer'],
      ],
    );
    assert.equal(list.body[1].email, editor.me.email.toLowerCase());
    const seen = (await editor.api.get(`${editor.projects}/${project.id}`)).body;
    assert.equal(seen.role, 'editor');
    assert.equal(seen.member_count, 3);
    assert.equal(seen.owner_id, owner.id);
    assert.ok((await viewer.api.get(viewer.projects)).body.some((p: any) => p.id === project.id && p.role === 'viewer'));
    assert.equal((await owner.api.get(`${owner.projects}/${project.id}`)).body.role, 'owner');
    // someone it is not shared with: 404 for the project and its members, as if it did not exist
    assert.equal((await outsider.api.get(`${outsider.projects}/${project.id}`)).status, 404);
    assert.equal((await outsider.api.get(`${outsider.projects}/${project.id}/members`)).status, 404);
    assert.equal(
      (await outsider.api.post(`${outsider.projects}/${project.id}/members`, { email: outsider.me.email, role: 'editor' })).status,
      404,
    );
    void members;
  });

  test('invitations that cannot be: unknown email 422, the owner 422, twice 409, the Inbox 409; nothing written', async () => {
    const { owner, editor, members } = await team('m2');
    const before = (await owner.api.get(members)).body;
    const unknown = await owner.api.post(members, { email: `nobody-${Date.now()}@example.com`, role: 'editor' });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.errors[0].field, 'email');
    assert.match(unknown.body.errors[0].message, /register/);
    const self = await owner.api.post(members, { email: owner.me.email, role: 'viewer' });
    assert.equal(self.status, 422);
    const twice = await owner.api.post(members, { email: editor.me.email, role: 'viewer' });
    assert.equal(twice.status, 409);
    const badRole = await owner.api.post(members, { email: editor.me.email, role: 'owner' });
    assert.equal(badRole.status, 422);
    assert.deepEqual((await owner.api.get(members)).body, before);
    const inbox = (await owner.api.get(owner.projects)).body.find((p: any) => p.inbox);
    const shareInbox = await owner.api.post(`${owner.projects}/${inbox.id}/members`, { email: editor.me.email, role: 'editor' });
    assert.equal(shareInbox.status, 409);
    assert.match(shareInbox.headers.get('content-type') ?? '', /problem\+json/);
  });

  test('only the owner manages members (403); a member leaves by itself; the owner cannot leave', async () => {
    const { owner, editor, viewer, project } = await team('m3');
    const em = `${editor.projects}/${project.id}/members`;
    assert.equal((await editor.api.post(em, { email: viewer.me.email, role: 'editor' })).status, 403);
    assert.equal((await editor.api.put(`${em}/${viewer.id}`, { role: 'editor' })).status, 403);
    assert.equal((await editor.api.del(`${em}/${viewer.id}`)).status, 403);
    assert.equal((await editor.api.put(`${editor.projects}/${project.id}`, { name: 'mine now' })).status, 403);
    assert.equal((await editor.api.del(`${editor.projects}/${project.id}`)).status, 403);
    assert.equal((await editor.api.post(`${editor.projects}/${project.id}/move`, {})).status, 403);
    const om = `${owner.projects}/${project.id}/members`;
    const promoted = await owner.api.put(`${om}/${viewer.id}`, { role: 'editor' });
    assert.equal(promoted.status, 200);
    assert.equal(promoted.body.role, 'editor');
    assert.equal((await owner.api.put(`${om}/${owner.id}`, { role: 'viewer' })).status, 422);
    assert.equal((await owner.api.del(`${om}/${owner.id}`)).status, 409);
    assert.equal((await editor.api.del(`${em}/${editor.id}`)).status, 204, 'leaving');
    assert.equal((await editor.api.get(`${editor.projects}/${project.id}`)).status, 404);
    assert.equal((await owner.api.del(`${om}/${editor.id}`)).status, 404, 'no longer a member');
    assert.equal((await owner.api.get(`${owner.projects}/${project.id}`)).body.member_count, 2);
  });

  test('a new member gets one `shared` notification', async () => {
    const { viewer, project } = await team('m4');
    const about = async () => (await notificationsOf(viewer, 'shared')).filter((n) => n.body.includes(project.name));
    const notes = await eventually(async () => {
      const n = await about();
      return n.length ? n : undefined;
    });
    await drained(app);
    assert.equal((await about()).length, 1);
    assert.equal(notes[0].task_id, null);
    assert.match(notes[0].body, new RegExp(`${project.name}`));
    assert.match(notes[0].body, /viewer/);
  });
});

describe('tasks of a shared project', () => {
  test("appear in every member's lists, views, get and history; user_id stays the creator", async () => {
    const { owner, editor, viewer, outsider, project } = await team('t1');
    // overdue, so in view=today at any hour (an hour ahead is tomorrow during the day's last hour)
    const due = new Date(Date.now() - 3_600_000).toISOString();
    const made = await editor.api.post(editor.tasks, { title: 'milk', project_id: project.id, due_date: due });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.user_id, editor.id);
    const mine = await owner.api.post(owner.tasks, { title: 'my own, unshared' });
    for (const u of [owner, editor, viewer]) {
      const all = await u.api.get(u.tasks);
      assert.ok(
        all.body.some((t: any) => t.id === made.body.id),
        `${u.me.email} lists it`,
      );
      assert.equal(
        all.body.some((t: any) => t.id === mine.body.id),
        u === owner,
        'the owner’s other tasks stay his',
      );
      assert.ok((await u.api.get(`${u.tasks}?project_id=${project.id}`)).body.some((t: any) => t.id === made.body.id));
      assert.ok(
        (await u.api.get(`${u.tasks}?view=today`)).body.some((t: any) => t.id === made.body.id),
        'view=today',
      );
      assert.equal((await u.api.get(`${u.tasks}/${made.body.id}`)).status, 200);
      const history = await eventually(async () => {
        const h = await u.api.get(`${u.tasks}/${made.body.id}/history`);
        return h.status === 200 && h.body.length ? h : undefined;
      });
      assert.equal(history.body[0].event_type, 'created');
    }
    assert.equal((await outsider.api.get(`${outsider.tasks}/${made.body.id}`)).status, 404);
    assert.equal((await outsider.api.get(`${outsider.tasks}/${made.body.id}/history`)).status, 404);
    assert.ok(!(await outsider.api.get(outsider.tasks)).body.some((t: any) => t.id === made.body.id));
    assert.equal((await outsider.api.get(`${outsider.tasks}?project_id=${project.id}`)).status, 404);
  });

  test('a viewer reads but cannot write (403); an editor writes; nothing is written by a refused call', async () => {
    const { owner, editor, viewer, project } = await team('t2');
    const t = (await owner.api.post(owner.tasks, { title: 'bread', project_id: project.id })).body;
    const vt = `${viewer.tasks}/${t.id}`;
    const refused = [
      await viewer.api.post(viewer.tasks, { title: 'x', project_id: project.id }),
      await viewer.api.post(viewer.tasks, { title: 'x', parent_id: t.id }),
      await viewer.api.put(vt, { title: 'changed' }),
      await viewer.api.patch(`${vt}/complete`),
      await viewer.api.post(`${vt}/move`, {}),
      await viewer.api.del(vt),
    ];
    for (const r of refused) {
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.match(r.headers.get('content-type') ?? '', /problem\+json/);
    }
    assert.equal((await owner.api.get(`${owner.tasks}/${t.id}`)).body.version, t.version);
    // a viewer's own task cannot be moved into the project either
    const own = (await viewer.api.post(viewer.tasks, { title: 'viewer inbox task' })).body;
    assert.equal((await viewer.api.post(`${viewer.tasks}/${own.id}/move`, { project_id: project.id })).status, 403);
    const et = `${editor.tasks}/${t.id}`;
    assert.equal((await editor.api.put(et, { title: 'rye bread' })).status, 200);
    assert.equal((await editor.api.patch(`${et}/complete`)).body.completed, true);
    const sub = await editor.api.post(editor.tasks, { title: 'slice it', parent_id: t.id });
    assert.equal(sub.status, 201);
    assert.equal((await editor.api.del(et)).status, 204);
    assert.equal((await owner.api.get(`${owner.tasks}/${t.id}`)).status, 404);
  });

  test("a member's tasks stay in the project when it leaves, and the owner still sees them", async () => {
    const { owner, editor, project } = await team('t3');
    const t = (await editor.api.post(editor.tasks, { title: 'by the editor', project_id: project.id })).body;
    assert.equal((await editor.api.del(`${editor.projects}/${project.id}/members/${editor.id}`)).status, 204);
    assert.equal((await editor.api.get(`${editor.tasks}/${t.id}`)).status, 404);
    assert.ok(!(await editor.api.get(editor.tasks)).body.some((x: any) => x.id === t.id), 'gone from its creator’s list');
    assert.ok((await owner.api.get(owner.tasks)).body.some((x: any) => x.id === t.id));
    assert.ok((await owner.api.get(`${owner.tasks}?project_id=${project.id}`)).body.some((x: any) => x.id === t.id));
  });

  test("a task moved into another owner's project shows in that owner's lists", async () => {
    const { owner, editor, project } = await team('t4');
    // the editor moves the owner's task out of the shared project into one of its own
    const t = (await owner.api.post(owner.tasks, { title: 'travels', project_id: project.id })).body;
    const theirs = (await editor.api.post(editor.projects, { name: 'editor private' })).body;
    const moved = await editor.api.post(`${editor.tasks}/${t.id}/move`, { project_id: theirs.id });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.user_id, owner.id);
    assert.ok((await editor.api.get(editor.tasks)).body.some((x: any) => x.id === t.id));
    assert.ok((await editor.api.get(`${editor.tasks}?project_id=${theirs.id}`)).body.some((x: any) => x.id === t.id));
    assert.equal((await owner.api.get(`${owner.tasks}/${t.id}`)).status, 404, 'out of the owner’s sight now');
  });
});

describe('assignees', () => {
  test('a member or null; anyone else 422; `assigned` notification once; assignee=me', async () => {
    const { owner, editor, viewer, outsider, project } = await team('a1');
    const bad = await owner.api.post(owner.tasks, { title: 'x', project_id: project.id, assignee_id: outsider.id });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.errors[0].field, 'assignee_id');
    const t = await editor.api.post(editor.tasks, { title: 'call the plumber', project_id: project.id, assignee_id: viewer.id });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    assert.equal(t.body.assignee_id, viewer.id);
    const other = (await owner.api.post(owner.tasks, { title: 'unassigned', project_id: project.id })).body;
    const mine = await viewer.api.get(`${viewer.tasks}?assignee=me&project_id=${project.id}`);
    assert.deepEqual(
      mine.body.map((x: any) => x.id),
      [t.body.id],
    );
    assert.ok((await owner.api.get(`${owner.tasks}?assignee=none&project_id=${project.id}`)).body.some((x: any) => x.id === other.id));
    const assignedOf = async (u: User, taskId: number) => (await notificationsOf(u, 'assigned')).filter((n) => n.task_id === taskId);
    const notes = await eventually(async () => {
      const n = await assignedOf(viewer, t.body.id);
      return n.length ? n : undefined;
    });
    assert.match(notes[0].body, /call the plumber/);
    // an edit that keeps the assignee does not notify again; assigning oneself never does
    assert.equal((await owner.api.put(`${owner.tasks}/${t.body.id}`, { title: 'call the plumber today' })).status, 200);
    assert.equal((await owner.api.put(`${owner.tasks}/${other.id}`, { assignee_id: owner.id })).status, 200);
    await drained(app);
    assert.equal((await assignedOf(viewer, t.body.id)).length, 1);
    assert.equal((await assignedOf(owner, other.id)).length, 0);
    const put = await owner.api.put(`${owner.tasks}/${other.id}`, { assignee_id: outsider.id });
    assert.equal(put.status, 422);
    assert.equal((await owner.api.put(`${owner.tasks}/${t.body.id}`, { assignee_id: null })).body.assignee_id, null);
    // the Inbox is its owner's alone: only they can be assigned there
    const inboxTask = await editor.api.post(editor.tasks, { title: 'private', assignee_id: owner.id });
    assert.equal(inboxTask.status, 422);
  });

  test('removing a member unassigns its tasks, each with an `updated` event, at once', async () => {
    const { owner, editor, viewer, project } = await team('a2');
    const ids: number[] = [];
    for (const title of ['one', 'two']) {
      ids.push((await owner.api.post(owner.tasks, { title, project_id: project.id, assignee_id: editor.id })).body.id);
    }
    assert.equal((await owner.api.del(`${owner.projects}/${project.id}/members/${editor.id}`)).status, 204);
    for (const id of ids) {
      const t = (await owner.api.get(`${owner.tasks}/${id}`)).body;
      assert.equal(t.assignee_id, null);
      const last = (await taskEvents(id)).at(-1);
      assert.equal(last.event_type, 'updated');
      assert.equal(last.assignee_id, null);
      assert.deepEqual(last.audience, [owner.id, viewer.id], 'the editor is no longer in it');
    }
    const left = (await editor.api.get(`${editor.tasks}?assignee=me`)).body.map((t: any) => t.id);
    assert.ok(!ids.some((id) => left.includes(id)));
  });

  test('a task moved to a project where its assignee is no member is unassigned', async () => {
    const { owner, editor, project } = await team('a3');
    const t = (await owner.api.post(owner.tasks, { title: 'to move', project_id: project.id, assignee_id: editor.id })).body;
    const moved = await owner.api.post(`${owner.tasks}/${t.id}/move`, {
      project_id: (await owner.api.post(owner.projects, { name: 'solo' })).body.id,
    });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.assignee_id, null);
  });

  test('a reminder goes to the assignee, else the creator', async () => {
    const { owner, viewer, project } = await team('a4');
    const at = new Date(Date.now() + 700).toISOString();
    const assigned = (
      await owner.api.post(owner.tasks, { title: 'assigned reminder', project_id: project.id, assignee_id: viewer.id, reminders: [{ at }] })
    ).body;
    const own = (await owner.api.post(owner.tasks, { title: 'own reminder', project_id: project.id, reminders: [{ at }] })).body;
    const got = await eventually(
      async () => {
        const ours = (n: any[]) => n.filter((x) => x.task_id === assigned.id || x.task_id === own.id);
        const [v, o] = (await Promise.all([notificationsOf(viewer, 'reminder'), notificationsOf(owner, 'reminder')])).map(ours);
        return v!.length && o!.length ? { v: v!, o: o! } : undefined;
      },
      { timeoutMs: 8000 },
    );
    assert.deepEqual(
      got.v.map((n: any) => n.task_id),
      [assigned.id],
    );
    assert.deepEqual(
      got.o.map((n: any) => n.task_id),
      [own.id],
    );
  });
});

describe('events and live updates', () => {
  test('events carry project_id, parent_id, assignee_id and the audience at the time', async () => {
    const { owner, editor, viewer, project } = await team('e1');
    const t = (await editor.api.post(editor.tasks, { title: 'evented', project_id: project.id, assignee_id: viewer.id })).body;
    const [created] = await taskEvents(t.id);
    assert.equal(created.project_id, project.id);
    assert.equal(created.parent_id, null);
    assert.equal(created.assignee_id, viewer.id);
    assert.deepEqual(new Set(created.audience), new Set([owner.id, editor.id, viewer.id]));
    assert.equal(created.audience[0], owner.id);
    const solo = (await owner.api.post(owner.tasks, { title: 'inbox' })).body;
    assert.deepEqual((await taskEvents(solo.id))[0].audience, [owner.id]);
  });

  test("a change by one member reaches every member's stream; a removed member's stream stops at once", async () => {
    const { owner, editor, viewer, outsider, project } = await team('e2');
    const open = (u: User) => openStream(`${app.url}/api/${u.id}/stream`, { authorization: `Bearer ${u.me.token}` });
    const [so, sv, sx] = await Promise.all([open(owner), open(viewer), open(outsider)]);
    try {
      const t = (await editor.api.post(editor.tasks, { title: 'live one', project_id: project.id })).body;
      for (const s of [so, sv]) await s.next((e) => e.event === 'task' && e.data.task_id === t.id && e.data.event_type === 'created');
      // the viewer is removed: its stream hears that, then nothing more of the project
      assert.equal((await owner.api.del(`${owner.projects}/${project.id}/members/${viewer.id}`)).status, 204);
      const revoked = await sv.next(
        (e) => e.event === 'project' && e.data.project_id === project.id && e.data.revoked?.includes(viewer.id),
      );
      assert.ok(revoked);
      await editor.api.put(`${editor.tasks}/${t.id}`, { title: 'live two' });
      await so.next((e) => e.event === 'task' && e.data.task_id === t.id && e.data.data.title === 'live two');
      await drained(app);
      await sleep(200);
      assert.ok(!sv.events.some((e) => e.event === 'task' && e.data.data?.title === 'live two'), 'not to the removed viewer');
      assert.ok(!sx.events.some((e) => e.event === 'task' && e.data.task_id === t.id), 'never to an outsider');
      assert.equal((await viewer.api.get(`${viewer.tasks}/${t.id}`)).status, 404);
    } finally {
      for (const s of [so, sv, sx]) s.close();
    }
  });
});
