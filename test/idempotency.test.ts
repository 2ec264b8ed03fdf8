/**
 * At-least-once delivery, exactly-once effects (every consumer is idempotent): one real event, taken from the outbox
 * before the relay published it, is delivered to the consumers several times — concurrently and
 * one after the other, and once more by the relay — and has exactly one effect per consumer:
 * one next occurrence, one history row, one inbox notification.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eventually, type Client, type Session, type TestApp } from './support/app.js';
import { appWithUser, drained } from './support/util.js';
import type { OutgoingMessage } from '../src/events/bus.js';

let app: TestApp;
let me: Session;
let api: Client;
let tasks: string;

before(async () => {
  ({ app, me, api, tasks } = await appWithUser('idempotency'));
});
after(async () => app?.close());

const db = () => app.running.services.db;
const count = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(db())).rows[0]?.n ?? -1;

/** Run `write` with the relay stopped, then return the unpublished outbox rows it produced. */
async function withRelayStopped<T>(write: () => Promise<T>): Promise<{ result: T; pending: OutgoingMessage[] }> {
  const { relay } = app.running.services;
  await drained(app);
  await relay.stop();
  const result = await write();
  const rows = await db()
    .selectFrom('outbox')
    .select(['seq', 'topic', 'key', 'payload'])
    .where('published_at', 'is', null)
    .orderBy('seq')
    .execute();
  return { result, pending: rows.map((r) => ({ seq: r.seq, topic: r.topic, key: r.key, payload: r.payload }) as OutgoingMessage) };
}

/** Deliver one message 5× concurrently, then 2× in a row, through the bus (all its consumers). */
async function deliverMany(msg: OutgoingMessage) {
  const { bus } = app.running.services;
  await Promise.all(Array.from({ length: 5 }, () => bus.emit([msg])));
  await bus.emit([msg]);
  await bus.emit([msg]);
}

async function resumeRelay() {
  app.running.services.relay.start();
  await drained(app);
}

test('a completed event of a recurring task: one next occurrence, one history row', async () => {
  const task = (await api.post(tasks, { title: 'Recurring', due_date: '2031-03-01T09:00:00Z', timezone: 'UTC', recurrence: 'daily' })).body;
  await drained(app);
  const { pending } = await withRelayStopped(() => api.patch(`${tasks}/${task.id}/complete`));
  try {
    const completed = pending.find((m) => m.topic === 'task-events' && (m.payload as any).event_type === 'completed');
    assert.ok(completed, 'the completion is in the outbox, not yet published');
    const eventId = (completed.payload as any).event_id;
    assert.equal(await count(sql`SELECT count(*)::int AS n FROM tasks WHERE spawned_from = ${task.id}`), 0, 'not yet consumed');

    await deliverMany(completed);
    assert.equal(await count(sql`SELECT count(*)::int AS n FROM tasks WHERE spawned_from = ${task.id}`), 1, 'one next occurrence');
    assert.equal(await count(sql`SELECT count(*)::int AS n FROM task_history WHERE event_id = ${eventId}`), 1, 'one history row');
  } finally {
    await resumeRelay(); // the relay delivers it once more
  }
  assert.equal(await count(sql`SELECT count(*)::int AS n FROM tasks WHERE spawned_from = ${task.id}`), 1);
  const all = (await api.get(`${tasks}?limit=200`)).body.filter((t: any) => t.series_id === task.series_id);
  assert.equal(all.length, 2, 'the completed task and exactly one next occurrence');
  const next = all.find((t: any) => t.id !== task.id);
  assert.equal(next.due_date, '2031-03-02T09:00:00.000Z');
  const history = (await api.get(`${tasks}/${task.id}/history`)).body;
  assert.deepEqual(
    history.map((h: any) => h.event_type),
    ['created', 'completed'],
  );
  const nextHistory = (await api.get(`${tasks}/${next.id}/history`)).body;
  assert.deepEqual(
    nextHistory.map((h: any) => h.event_type),
    ['created'],
    'the next occurrence was announced once',
  );
});

test('every task event type is recorded once in the history however often it arrives', async () => {
  const { pending } = await withRelayStopped(async () => {
    const t = (await api.post(tasks, { title: 'Audited' })).body;
    await api.put(`${tasks}/${t.id}`, { title: 'Audited 2' });
    await api.patch(`${tasks}/${t.id}/complete`);
    await api.del(`${tasks}/${t.id}`);
    return t;
  });
  try {
    const events = pending.filter((m) => m.topic === 'task-events');
    assert.deepEqual(
      events.map((m) => (m.payload as any).event_type),
      ['created', 'updated', 'completed', 'deleted'],
    );
    // all four, concurrently, several times each, in any interleaving
    await Promise.all(events.flatMap((m) => [deliverMany(m), deliverMany(m)]));
    for (const m of events) {
      const id = (m.payload as any).event_id;
      assert.equal(await count(sql`SELECT count(*)::int AS n FROM task_history WHERE event_id = ${id}`), 1, (m.payload as any).event_type);
    }
  } finally {
    await resumeRelay();
  }
  const taskId = (pending[0]!.payload as any).task_id;
  assert.equal(await count(sql`SELECT count(*)::int AS n FROM task_history WHERE task_id = ${taskId}`), 4);
});

test('a reminder notification: one inbox entry however often it arrives', async () => {
  const { result: task, pending } = await withRelayStopped(async () => {
    const t = (await api.post(tasks, { title: 'Remind me', reminders: [{ at: new Date(Date.now() + 300).toISOString() }] })).body;
    // the clock fires into the outbox while the relay is stopped
    await eventually(
      async () => (await count(sql`SELECT count(*)::int AS n FROM reminders WHERE task_id = ${t.id} AND fired_at IS NOT NULL`)) === 1,
      {
        timeoutMs: 5000,
      },
    );
    return t;
  });
  try {
    const note = pending.find((m) => m.topic === 'notifications' && (m.payload as any).task_id === task.id);
    assert.ok(note, 'the notification event is in the outbox');
    const id = (note.payload as any).notification_id;
    assert.equal(await count(sql`SELECT count(*)::int AS n FROM notifications WHERE id = ${id}`), 0, 'not yet consumed');
    await deliverMany(note);
    assert.equal(await count(sql`SELECT count(*)::int AS n FROM notifications WHERE id = ${id}`), 1);
  } finally {
    await resumeRelay();
  }
  const inbox = (await api.get(`/api/${me.userId}/notifications`)).body.filter((n: any) => n.task_id === task.id);
  assert.equal(inbox.length, 1, 'one inbox entry for the reminder');
  // a read notification stays read when the event arrives again
  const read = await api.post(`/api/${me.userId}/notifications/${inbox[0].id}/read`);
  assert.equal(read.body.read, true);
  const again = pending.find((m) => m.topic === 'notifications' && (m.payload as any).task_id === task.id)!;
  await deliverMany(again);
  const after = (await api.get(`/api/${me.userId}/notifications`)).body.filter((n: any) => n.task_id === task.id);
  assert.equal(after.length, 1);
  assert.equal(after[0].read, true);
});

test('a completed event delivered again after the user deleted the next occurrence does not bring it back', async () => {
  const task = (await api.post(tasks, { title: 'Weekly review', due_date: '2031-03-07T16:00:00Z', timezone: 'UTC', recurrence: 'weekly' }))
    .body;
  const { pending } = await withRelayStopped(() => api.patch(`${tasks}/${task.id}/complete`));
  await resumeRelay();
  const completed = pending.find((m) => (m.payload as any).event_type === 'completed' && (m.payload as any).task_id === task.id)!;
  const next = (await api.get(`${tasks}?limit=200`)).body.find((t: any) => t.series_id === task.series_id && t.id !== task.id);
  assert.ok(next, 'spawned once');
  assert.equal((await api.del(`${tasks}/${next.id}`)).status, 204, 'the user does not want this one');
  await drained(app);
  // at-least-once: the broker redelivers the old completion (replay, rebalance, retry)
  await deliverMany(completed);
  await drained(app);
  const series = (await api.get(`${tasks}?limit=200`)).body.filter((t: any) => t.series_id === task.series_id);
  assert.deepEqual(
    series.map((t: any) => t.id),
    [task.id],
    'the redelivered event had no second effect',
  );
});

test('a malformed event is dropped to the dead letters and has no effect', async () => {
  const before = await count(sql`SELECT count(*)::int AS n FROM dead_letters`);
  const historyBefore = await count(sql`SELECT count(*)::int AS n FROM task_history`);
  const bad = {
    seq: 999_999,
    topic: 'task-events',
    key: '1',
    payload: { event_id: 'not-a-uuid', event_type: 'completed', task_id: 1, user_id: me.userId },
  } as unknown as OutgoingMessage;
  await app.running.services.bus.emit([bad]);
  assert.equal(await count(sql`SELECT count(*)::int AS n FROM dead_letters`), before + 1);
  assert.equal(await count(sql`SELECT count(*)::int AS n FROM task_history`), historyBefore);
});
