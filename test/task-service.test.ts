/**
 * TaskService on its own (no HTTP): each command writes the task, its reminders and its events in
 * one transaction, or nothing; reads see only what the caller may see.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { signUp, type Session, type TestApp } from './support/app.js';
import { drained, startTestApp } from './support/util.js';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../src/errors.js';

let app: TestApp;
let me: Session;
let stranger: Session;
before(async () => {
  app = await startTestApp();
  [me, stranger] = await Promise.all([signUp(app.url, 'service'), signUp(app.url, 'service-stranger')]);
});
after(async () => app?.close());

const tasks = () => app.running.services.tasks;
const db = () => app.running.services.db;
const inFuture = new Date(Date.now() + 86_400_000).toISOString();

/** The task events in the outbox for these tasks, in outbox order. */
async function eventsOf(ids: number[]): Promise<string[]> {
  const r = await sql<{ e: string }>`
    SELECT (payload->>'task_id') || ':' || (payload->>'event_type') AS e FROM outbox
    WHERE topic = 'task-events' AND key = ANY(${ids.map(String)}) ORDER BY seq`.execute(db());
  return r.rows.map((row) => row.e);
}
const reminderCount = async (id: number) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM reminders WHERE task_id = ${id}`.execute(db())).rows[0]!.n;

test('create writes the task, its reminders and its event together; the zone defaults to the preferences', async () => {
  const t = await tasks().create(me.userId, { title: 'Write', due_date: inFuture, reminders: [{ before_minutes: 10 }] });
  assert.equal(t.timezone, (await app.running.services.preferences.get(me.userId)).timezone);
  assert.equal(await reminderCount(t.id), 1);
  assert.deepEqual(await eventsOf([t.id]), [`${t.id}:created`]);
});

test('createMany is all or nothing: a bad task names its index and nothing is written', async () => {
  const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tasks WHERE user_id = ${me.userId}`.execute(db());
  await assert.rejects(
    tasks().createMany(me.userId, [{ title: 'fine' }, { title: 'past reminder', reminders: [{ at: '2001-01-01T00:00:00Z' }] }]),
    (err: unknown) => err instanceof ValidationError && err.errors.some((e) => e.field === 'tasks/1/reminders/0'),
  );
  const afterwards = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tasks WHERE user_id = ${me.userId}`.execute(db());
  assert.equal(afterwards.rows[0]!.n, before.rows[0]!.n);
});

test('a stale If-Match is 412 and changes nothing; setting the completion it already has emits nothing', async () => {
  const t = await tasks().create(me.userId, { title: 'Versioned' });
  await assert.rejects(tasks().update(me.userId, t.id, { title: 'late' }, t.version + 1), PreconditionFailedError);
  assert.equal((await tasks().get(me.userId, t.id)).title, 'Versioned');
  assert.equal((await tasks().setCompleted(me.userId, t.id, false)).version, t.version);
  const done = await tasks().setCompleted(me.userId, t.id, undefined);
  assert.equal(done.completed, true);
  assert.deepEqual(await eventsOf([t.id]), [`${t.id}:created`, `${t.id}:completed`]);
});

test("remove deletes the task and its subtasks, each with its event; another user's task is a 404", async () => {
  const parent = await tasks().create(me.userId, { title: 'Parent' });
  const child = await tasks().create(me.userId, { title: 'Child', parent_id: parent.id });
  const grandchild = await tasks().create(me.userId, { title: 'Grandchild', parent_id: child.id });
  await assert.rejects(tasks().remove(stranger.userId, parent.id), NotFoundError);
  await tasks().remove(me.userId, parent.id);
  for (const id of [parent.id, child.id, grandchild.id]) await assert.rejects(tasks().get(me.userId, id), NotFoundError);
  const deleted = (await eventsOf([parent.id, child.id, grandchild.id])).filter((e) => e.endsWith(':deleted'));
  assert.deepEqual(deleted, [`${parent.id}:deleted`, `${child.id}:deleted`, `${grandchild.id}:deleted`]);
});

test('history: the audit trail in order, still readable by its creator after a delete, a 404 for anyone else', async () => {
  const t = await tasks().create(me.userId, { title: 'Audited' });
  await tasks().update(me.userId, t.id, { title: 'Audited again' });
  await tasks().remove(me.userId, t.id);
  await drained(app); // the history consumer writes the trail
  const trail = await tasks().history(me.userId, t.id);
  // in time order (commands within one millisecond tie, and ties go by event id)
  assert.deepEqual(trail.map((e) => `${e.event_type}: ${e.data.title}`).sort(), [
    'created: Audited',
    'deleted: Audited again',
    'updated: Audited again',
  ]);
  const times = trail.map((e) => Date.parse(e.timestamp));
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
  );
  await assert.rejects(tasks().history(stranger.userId, t.id), NotFoundError);
});
