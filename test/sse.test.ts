/**
 * Live updates: `GET /api/{user_id}/stream` delivers the user's task events and
 * notifications as Server-Sent Events — and nothing of anyone else's.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { client, signUp, type Session, type TestApp } from './support/app.js';
import { openStream, sleep, startTestApp, within, type SseStream } from './support/util.js';

let app: TestApp;
let alice: Session;
let bob: Session;
const streams: SseStream[] = [];
let closed = false;

before(async () => {
  // the tests keep their streams open until the end: alice holds more than the default per-user cap
  app = await startTestApp({ LIMIT_SSE_STREAMS: '20' });
  [alice, bob] = await Promise.all([signUp(app.url, 'alice'), signUp(app.url, 'bob')]);
});
after(async () => {
  for (const s of streams) s.close();
  if (!closed) await app?.close();
});

async function open(who: Session, via: 'query' | 'header' = 'query') {
  const s =
    via === 'query'
      ? await openStream(`${app.url}/api/${who.userId}/stream`, { authorization: `Bearer ${who.token}` })
      : await openStream(`${app.url}/api/${who.userId}/stream`, { authorization: `Bearer ${who.token}` });
  streams.push(s);
  assert.equal(s.status, 200);
  assert.match(s.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.match(s.headers.get('cache-control') ?? '', /no-cache/);
  return s;
}

const taskEvent = (taskId: number, type: string) => (e: { event: string; data: any }) =>
  e.event === 'task' && e.data.task_id === taskId && e.data.event_type === type;

test('task changes arrive as `task` events, in order, with the event id as SSE id', async () => {
  const s = await open(alice);
  const header = await open(alice, 'header');
  const api = client(app.url, alice.token);
  const tasks = `/api/${alice.userId}/tasks`;
  const created = (await api.post(tasks, { title: 'Live', priority: 'high' })).body;
  const c = await s.next(taskEvent(created.id, 'created'));
  assert.equal(c.data.user_id, alice.userId);
  assert.deepEqual(c.data.data, created, 'the event carries the task as the API returned it');
  assert.equal(c.id, c.data.event_id, 'SSE id = event id, so a client can drop duplicates');
  await api.put(`${tasks}/${created.id}`, { title: 'Live 2' });
  await api.patch(`${tasks}/${created.id}/complete`);
  await api.del(`${tasks}/${created.id}`);
  const d = await s.next(taskEvent(created.id, 'deleted'));
  assert.equal(d.data.data.title, 'Live 2');
  const mine = s.events.filter((e) => e.event === 'task' && e.data.task_id === created.id);
  assert.deepEqual(
    mine.map((e) => e.data.event_type),
    ['created', 'updated', 'completed', 'deleted'],
  );
  assert.equal(mine[2]!.data.data.completed, true);
  // the header-authenticated stream got the same events
  await header.next(taskEvent(created.id, 'deleted'));
  assert.deepEqual(
    header.events.filter((e) => e.event === 'task' && e.data.task_id === created.id).map((e) => e.id),
    mine.map((e) => e.id),
  );
});

test('the next occurrence of a recurring task is announced too', async () => {
  const s = await open(alice);
  const api = client(app.url, alice.token);
  const tasks = `/api/${alice.userId}/tasks`;
  const t = (await api.post(tasks, { title: 'Daily live', due_date: '2031-01-01T09:00:00Z', timezone: 'UTC', recurrence: 'daily' })).body;
  await api.patch(`${tasks}/${t.id}/complete`);
  const next = await s.next(
    (e) => e.event === 'task' && e.data.event_type === 'created' && e.data.data.series_id === t.series_id && e.data.task_id !== t.id,
  );
  assert.equal(next.data.data.due_date, '2031-01-02T09:00:00.000Z');
});

test('a reminder arrives as a `notification` event', async () => {
  const s = await open(alice);
  const api = client(app.url, alice.token);
  const due = new Date(Date.now() + 15 * 60_000 + 700).toISOString();
  const t = (
    await api.post(`/api/${alice.userId}/tasks`, {
      title: 'Buy Milk',
      due_date: due,
      reminders: [{ before_minutes: 15 }],
    })
  ).body;
  const n = await s.next((e) => e.event === 'notification' && e.data.task_id === t.id, 8000);
  assert.equal(n.data.user_id, alice.userId);
  assert.equal(n.data.type, 'reminder');
  assert.equal(n.data.title, 'Task Due Soon');
  // (the date is added when the due time is on another day)
  assert.match(
    n.data.body,
    new RegExp(`^Your task 'Buy Milk' is due in 15 minutes \\(at ${due.slice(11, 16)}( on \\w{3} \\d{1,2} \\w{3})?\\)\\.$`),
  );
  assert.equal(n.id, n.data.notification_id);
  const inbox = (await api.get(`/api/${alice.userId}/notifications`)).body;
  assert.ok(
    inbox.some((x: any) => x.id === n.data.notification_id),
    'the live event is the stored notification',
  );
});

test("another user's stream receives nothing of yours (and its own events)", async () => {
  const bobStream = await open(bob);
  const aliceStream = await open(alice);
  const a = client(app.url, alice.token);
  const b = client(app.url, bob.token);
  const t = (
    await a.post(`/api/${alice.userId}/tasks`, { title: 'Private', reminders: [{ at: new Date(Date.now() + 500).toISOString() }] })
  ).body;
  await a.put(`/api/${alice.userId}/tasks/${t.id}`, { title: 'Private 2' });
  const own = (await b.post(`/api/${bob.userId}/tasks`, { title: 'Bob own' })).body;
  await aliceStream.next((e) => e.event === 'notification' && e.data.task_id === t.id, 8000);
  await aliceStream.next(taskEvent(t.id, 'updated'));
  await bobStream.next(taskEvent(own.id, 'created'));
  await sleep(200);
  const leaked = bobStream.events.filter((e) => JSON.stringify(e.data).includes(alice.userId));
  assert.deepEqual(leaked, [], "no event of alice's reached bob");
  assert.ok(
    bobStream.events.every((e) => e.data.user_id === bob.userId),
    'everything bob received is his',
  );
  assert.ok(!aliceStream.events.some((e) => e.data.task_id === own.id), "and alice saw nothing of bob's");
});

test('shutdown ends open streams instead of hanging on them', async () => {
  const s = await open(alice);
  const started = Date.now();
  await within(app.close(), 10_000, 'a graceful shutdown with an open stream');
  closed = true;
  await within(s.ended, 5000, 'the shutdown ending the open stream');
  assert.ok(Date.now() - started < 10_000, `shutdown took ${Date.now() - started} ms`);
});
