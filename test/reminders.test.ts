/**
 * Reminders (one reminder, once; late if the service was down): the embedded clock fires a reminder at its time
 * (armed timer) and exactly once; relative reminders follow the due date; completed or deleted tasks
 * never remind; `POST /reminder-cron` fires each due reminder once even when called concurrently.
 *
 * The safety scan is set far beyond the test's length, so a reminder firing on time proves the
 * armed timer; "a later scan" is exercised explicitly through the scanner and the cron route.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { client, eventually, type Client, type Session, type TestApp } from './support/app.js';
import { appWithUser, drained, openStream, sleep, type SseStream } from './support/util.js';

const APP_TOKEN = 'reminder-cron-app-token-0123456789';
/**
 * "On time" here means: fired by the armed timer, not by the (10-minute) safety scan. The ≤ 1 s
 * figure itself is measured by the benchmark (reminder_lateness_p99_ms_embedded, `npm run bench`):
 * nothing in `npm test` may depend on the speed of a possibly loaded CI machine.
 */
const ON_TIME_MS = 3000;
let app: TestApp;
let me: Session;
let api: Client;
let tasks: string;
let stream: SseStream;
/** how far the service's clock runs ahead of the real one (the scans see reminders due without waiting for them) */
let skew = 0;

before(async () => {
  ({ app, me, api, tasks } = await appWithUser(
    'reminders',
    { APP_API_TOKEN: APP_TOKEN, REMINDER_SCAN_MS: '600000' },
    { now: () => new Date(Date.now() + skew) },
  ));
  stream = await openStream(`${app.url}/api/${me.userId}/stream`, { authorization: `Bearer ${me.token}` });
  assert.equal(stream.status, 200);
});
after(async () => {
  stream?.close();
  await app?.close();
});

const inboxFor = async (taskId: number) =>
  (await api.get(`/api/${me.userId}/notifications?limit=200`)).body.filter((n: any) => n.task_id === taskId);
const at = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();
/** the due time as the notification text shows it (these tasks are in UTC; the date is added when it is another day) */
const hhmm = (iso: string) => `${new Date(iso).toISOString().slice(11, 16)}( on \\w{3} \\d{1,2} \\w{3})?`;
const cron = () => client(app.url).post('/reminder-cron', undefined, { 'dapr-api-token': APP_TOKEN });

/** A later scan (what the safety interval and the cron binding run) fires nothing already fired. */
async function laterScansFireNothing() {
  assert.equal(await app.running.services.scanner.scan(), 0, 'a safety scan fires nothing again');
  const r = await cron();
  assert.equal(r.status, 200);
  assert.equal(r.body.fired, 0, 'nor does the cron binding');
  await drained(app);
}

test('an absolute reminder fires on time from the armed timer, never early, exactly once', async () => {
  const remindAts = [at(2000), at(2600), at(3300)];
  const created = await Promise.all(
    remindAts.map((when, i) =>
      api.post(tasks, { title: `Buy Milk ${i}`, due_date: at(15 * 60_000 + 2000), reminders: [{ at: when }] }).then((r) => r.body),
    ),
  );
  for (const [i, task] of created.entries()) {
    const event = await stream.next((e) => e.event === 'notification' && e.data.task_id === task.id, 8000);
    const remindAt = Date.parse(remindAts[i]!);
    assert.equal(event.data.remind_at, remindAts[i]);
    const fired = Date.parse(event.data.timestamp);
    assert.ok(fired >= remindAt, `not early: fired ${fired - remindAt} ms after its time`);
    assert.ok(event.at - remindAt <= ON_TIME_MS, `delivered ${event.at - remindAt} ms after its time (≤ ${ON_TIME_MS})`);
    assert.equal(event.data.late, false);
    assert.equal(event.data.title, 'Task Due Soon');
    assert.match(event.data.body, new RegExp(`^Your task 'Buy Milk ${i}' is due in 1[45] minutes \\(at ${hhmm(task.due_date)}\\)\\.$`));
    const inbox = await eventually(async () => ((await inboxFor(task.id)).length ? inboxFor(task.id) : undefined));
    assert.equal(inbox.length, 1);
    assert.ok(Date.parse(inbox[0].created_at) - remindAt <= ON_TIME_MS, `stored ${Date.parse(inbox[0].created_at) - remindAt} ms after`);
    assert.equal(inbox[0].id, event.data.notification_id);
    assert.equal(inbox[0].read, false);
    assert.equal(inbox[0].late, false);
  }
  await laterScansFireNothing();
  await sleep(1000);
  for (const task of created) {
    assert.equal((await inboxFor(task.id)).length, 1, 'still exactly one');
    assert.equal(stream.events.filter((e) => e.event === 'notification' && e.data.task_id === task.id).length, 1, 'one live event');
  }
});

test('editing a task after its reminder fired does not fire it again', async () => {
  const task = (await api.post(tasks, { title: 'Edit after', reminders: [{ at: at(800) }] })).body;
  await eventually(async () => (await inboxFor(task.id)).length === 1, { timeoutMs: 5000 });
  const put = await api.put(`${tasks}/${task.id}`, { title: 'Edited after', description: 'x' });
  assert.equal(put.status, 200);
  assert.deepEqual(put.body.reminders, task.reminders);
  await laterScansFireNothing();
  assert.equal((await inboxFor(task.id)).length, 1);
});

test('a relative reminder moves with the due date', async () => {
  const task = (await api.post(tasks, { title: 'Dentist', due_date: at(3_600_000), reminders: [{ before_minutes: 5 }] })).body;
  const scheduled = async () =>
    (
      await sql<{ remind_at: Date; fired_at: Date | null }>`SELECT remind_at, fired_at FROM reminders WHERE task_id = ${task.id}`.execute(
        app.running.services.db,
      )
    ).rows.map((r) => ({ remind_at: new Date(r.remind_at).toISOString(), fired: r.fired_at !== null }));
  assert.deepEqual(await scheduled(), [{ remind_at: new Date(Date.parse(task.due_date) - 5 * 60_000).toISOString(), fired: false }]);

  // move the due date so that "5 minutes before" is 2 s from now
  const newDue = at(5 * 60_000 + 2000);
  const moved = await api.put(`${tasks}/${task.id}`, { due_date: newDue });
  assert.equal(moved.status, 200);
  const expected = new Date(Date.parse(newDue) - 5 * 60_000).toISOString();
  assert.deepEqual(await scheduled(), [{ remind_at: expected, fired: false }], 'the old time is gone, the new one armed');

  const event = await stream.next((e) => e.event === 'notification' && e.data.task_id === task.id, 8000);
  assert.equal(event.data.remind_at, expected);
  assert.ok(event.at - Date.parse(expected) <= ON_TIME_MS, `fired ${event.at - Date.parse(expected)} ms after its new time`);
  assert.equal(event.data.due_date, new Date(newDue).toISOString());
  assert.match(event.data.body, new RegExp(`^Your task 'Dentist' is due in 5 minutes \\(at ${hhmm(newDue)}\\)\\.$`));
  await laterScansFireNothing();
  assert.equal((await inboxFor(task.id)).length, 1);
  assert.deepEqual(await scheduled(), [{ remind_at: expected, fired: true }]);
});

test('reminders of completed or deleted tasks never fire; un-completing re-arms a future one', async () => {
  const when = at(1500);
  const make = (title: string) => api.post(tasks, { title, reminders: [{ at: when }] }).then((r) => r.body);
  const [done, gone, toggled, control] = await Promise.all([make('Completed'), make('Deleted'), make('Toggled'), make('Control')]);
  assert.equal((await api.patch(`${tasks}/${done.id}/complete`)).body.completed, true);
  assert.equal((await api.del(`${tasks}/${gone.id}`)).status, 204);
  await api.patch(`${tasks}/${toggled.id}/complete`);
  assert.equal((await api.patch(`${tasks}/${toggled.id}/complete`)).body.completed, false);

  await stream.next((e) => e.event === 'notification' && e.data.task_id === control.id, 8000);
  await stream.next((e) => e.event === 'notification' && e.data.task_id === toggled.id, 3000);
  await laterScansFireNothing();
  await sleep(300);
  assert.equal((await inboxFor(done.id)).length, 0, 'completed: no reminder');
  assert.equal((await inboxFor(gone.id)).length, 0, 'deleted: no reminder');
  assert.equal((await inboxFor(control.id)).length, 1);
  assert.equal((await inboxFor(toggled.id)).length, 1);
  const live = stream.events.filter((e) => e.event === 'notification' && [done.id, gone.id].includes(e.data.task_id));
  assert.deepEqual(live, []);
});

test('a task completed after its reminder time but before a scan is not reminded', async () => {
  const { clock } = app.running.services;
  await clock!.stop();
  try {
    const task = (await api.post(tasks, { title: 'Raced', reminders: [{ at: at(200) }] })).body;
    skew = 400; // due now, but nothing has scanned
    await api.patch(`${tasks}/${task.id}/complete`);
    const r = await cron();
    assert.equal(r.body.fired, 0);
    await drained(app);
    assert.equal((await inboxFor(task.id)).length, 0);
  } finally {
    skew = 0;
    clock!.start();
  }
});

test('POST /reminder-cron fires each due reminder once even when called concurrently', async () => {
  const { clock } = app.running.services;
  await clock!.stop(); // only the cron route scans
  try {
    const when = at(300);
    const created = await Promise.all(
      ['Cron A', 'Cron B', 'Cron C'].map((title, i) =>
        api.post(tasks, { title, reminders: [{ at: when }, ...(i === 0 ? [{ at: at(400) }] : [])] }).then((r) => r.body),
      ),
    );
    skew = 600; // all four due
    const results = await Promise.all(Array.from({ length: 6 }, () => cron()));
    for (const r of results) assert.equal(r.status, 200);
    assert.equal(
      results.reduce((sum, r) => sum + r.body.fired, 0),
      4,
      `fired counts: ${results.map((r) => r.body.fired).join(',')}`,
    );
    await drained(app);
    assert.deepEqual(await Promise.all(created.map(async (t) => (await inboxFor(t.id)).length)), [2, 1, 1]);
    assert.equal((await cron()).body.fired, 0);
  } finally {
    skew = 0;
    clock!.start();
  }
});

test('the inbox: unread count, mark one read, mark all read', async () => {
  const all = (await api.get(`/api/${me.userId}/notifications?limit=200`)).body;
  assert.ok(all.length >= 5);
  const unreadHeader = async () => Number((await api.get(`/api/${me.userId}/notifications`)).headers.get('x-unread-count'));
  const unread = await unreadHeader();
  assert.equal(unread, all.filter((n: any) => !n.read).length);
  const first = all.find((n: any) => !n.read);
  const read = await api.post(`/api/${me.userId}/notifications/${first.id}/read`);
  assert.equal(read.status, 200);
  assert.equal(read.body.read, true);
  assert.ok(read.body.read_at);
  const again = await api.post(`/api/${me.userId}/notifications/${first.id}/read`);
  assert.equal(again.body.read_at, read.body.read_at, 'marking twice keeps the first read time');
  assert.equal(await unreadHeader(), unread - 1);
  const onlyUnread = (await api.get(`/api/${me.userId}/notifications?unread=true&limit=200`)).body;
  assert.ok(onlyUnread.every((n: any) => !n.read));
  assert.equal(onlyUnread.length, unread - 1);
  const all2 = await api.post(`/api/${me.userId}/notifications/read-all`);
  assert.equal(all2.body.updated, unread - 1);
  assert.equal(await unreadHeader(), 0);
  assert.equal((await api.post(`/api/${me.userId}/notifications/read-all`)).body.updated, 0);
  const missing = await api.post(`/api/${me.userId}/notifications/00000000-0000-4000-8000-000000000000/read`);
  assert.equal(missing.status, 404);
});
