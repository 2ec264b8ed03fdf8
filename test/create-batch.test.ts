/**
 * Group commit of creates (src/db/group-commit.ts through TaskService.create): creates that
 * arrive together share a transaction, each caller still gets its own task, and every task has
 * exactly its reminders and its one event. A create that fails in the database fails alone.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { signUp, type Session, type TestApp } from './support/app.js';
import { startTestApp } from './support/util.js';
import type { TaskCreate } from '../src/tasks/model.js';

let app: TestApp;
let me: Session;
before(async () => {
  app = await startTestApp();
  me = await signUp(app.url, 'batch');
});
after(async () => app?.close());

const due = new Date(Date.now() + 24 * 3600_000);
/** timezone given: create() reaches the group commit in the same tick, so the batching is deterministic */
const body = (title: string, completed = false): TaskCreate => ({
  title,
  due_date: due.toISOString(),
  timezone: 'Europe/Paris',
  reminders: [{ before_minutes: 30 }],
  completed,
});

async function rowsTitled(prefix: string) {
  const db = app.running.services.db;
  const tasks = await sql<{ id: number; title: string; tx: string }>`
    SELECT id, title, xmin::text AS tx FROM tasks WHERE title LIKE ${prefix + '%'} ORDER BY id`.execute(db);
  const reminders = await sql<{ task_id: number; remind_at: Date }>`
    SELECT r.task_id, r.remind_at FROM reminders r JOIN tasks t ON t.id = r.task_id WHERE t.title LIKE ${prefix + '%'}`.execute(db);
  const events = await sql<{ key: string; type: string; title: string }>`
    SELECT key, payload->>'event_type' AS type, payload->'data'->>'title' AS title FROM outbox
    WHERE topic = 'task-events' AND payload->'data'->>'title' LIKE ${prefix + '%'}`.execute(db);
  return { tasks: tasks.rows, reminders: reminders.rows, events: events.rows };
}

test('twenty creates at once: two transactions, each caller its own task, its reminder and its event', async () => {
  const n = 20;
  const created = await Promise.all(
    Array.from({ length: n }, (_, i) => app.running.services.tasks.create(me.userId, body(`batch-a ${i}`, i % 4 === 0))),
  );
  created.forEach((t, i) => {
    assert.equal(t.title, `batch-a ${i}`);
    assert.equal(t.completed, i % 4 === 0);
  });
  assert.equal(new Set(created.map((t) => t.id)).size, n);

  const { tasks, reminders, events } = await rowsTitled('batch-a ');
  assert.equal(tasks.length, n);
  // the first create runs alone; the nineteen that queued behind it share the next transaction
  assert.equal(new Set(tasks.map((t) => t.tx)).size, 2);
  for (const t of created) assert.equal(tasks.find((r) => r.id === t.id)?.title, t.title);

  // a reminder for each pending task only, 30 minutes before its due date
  const pending = created.filter((t) => !t.completed);
  assert.deepEqual(
    reminders.map((r) => r.task_id).sort((a, b) => a - b),
    pending.map((t) => t.id).sort((a, b) => a - b),
  );
  for (const r of reminders) assert.equal(r.remind_at.getTime(), due.getTime() - 30 * 60_000);

  // one event per task, keyed by its id, `completed` for the ones created completed
  assert.equal(events.length, n);
  for (const t of created) {
    const mine = events.filter((e) => e.key === String(t.id));
    assert.deepEqual(mine, [{ key: String(t.id), type: t.completed ? 'completed' : 'created', title: t.title }]);
  }
});

test('a create that fails in the database fails alone; the rest of its batch is written once each', async () => {
  const n = 12;
  const results = await Promise.allSettled(
    Array.from({ length: n }, (_, i) =>
      // index 5 belongs to no user: the foreign key refuses it, inside the shared transaction
      app.running.services.tasks.create(i === 5 ? 'no-such-user' : me.userId, body(`batch-b ${i}`)),
    ),
  );
  results.forEach((r, i) => assert.equal(r.status, i === 5 ? 'rejected' : 'fulfilled', `create ${i}`));
  assert.match(String((results[5] as PromiseRejectedResult).reason), /foreign key/);

  const { tasks, reminders, events } = await rowsTitled('batch-b ');
  assert.deepEqual(
    tasks.map((t) => t.title).sort(),
    Array.from({ length: n }, (_, i) => `batch-b ${i}`)
      .filter((_, i) => i !== 5)
      .sort(),
  );
  assert.equal(reminders.length, n - 1);
  assert.equal(events.length, n - 1);
});

test('over HTTP: concurrent creates each answer with their own task', async () => {
  const n = 32;
  const replies = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await fetch(`${app.url}/api/${me.userId}/tasks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${me.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `batch-c ${i}`, priority: i % 2 ? 'high' : 'low' }),
      });
      return {
        status: res.status,
        location: res.headers.get('location'),
        task: (await res.json()) as { id: number; title: string; priority: string },
      };
    }),
  );
  replies.forEach((r, i) => {
    assert.equal(r.status, 201);
    assert.equal(r.task.title, `batch-c ${i}`);
    assert.equal(r.task.priority, i % 2 ? 'high' : 'low');
    assert.equal(r.location, `/api/${me.userId}/tasks/${r.task.id}`);
  });
  const { tasks } = await rowsTitled('batch-c ');
  assert.equal(tasks.length, n);
  for (const r of replies) assert.equal(tasks.find((t) => t.id === r.task.id)?.title, r.task.title);
});
