/**
 * Reminders you can act on: snooze fires the reminder again once, as a new
 * notification of the same task, and not when the task was completed or deleted meanwhile; the
 * text says when the task is due on the task's clock; a reminder set for a time already past is
 * refused (422) on create and update, but an update is never refused for a reminder the task had.
 *
 * Snoozes are at least a minute long: to keep this suite short, a test moves the snooze's row
 * (the real one, written by the endpoint) to a second from now and re-arms the clock, as if the
 * minutes had passed; test/stack waits the real minute.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { client, eventually, signUp, type Client, type Session, type TestApp } from './support/app.js';
import { appWithUser, drained, openStream, sleep, type SseStream } from './support/util.js';

const APP_TOKEN = 'snooze-cron-app-token-0123456789abcdef';
let app: TestApp;
let me: Session;
let api: Client;
let tasks: string;
let stream: SseStream;

before(async () => {
  ({ app, me, api, tasks } = await appWithUser('snooze', { APP_API_TOKEN: APP_TOKEN, REMINDER_SCAN_MS: '600000' }));
  stream = await openStream(`${app.url}/api/${me.userId}/stream`, { authorization: `Bearer ${me.token}` });
  assert.equal(stream.status, 200);
});
after(async () => {
  stream?.close();
  await app?.close();
});

const at = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();
const inboxFor = async (taskId: number) =>
  (await api.get(`/api/${me.userId}/notifications?limit=200`)).body.filter((n: any) => n.task_id === taskId);
const snooze = (id: string, body: unknown, who = api, userId = me.userId) => who.post(`/api/${userId}/notifications/${id}/snooze`, body);
const snoozeRows = async (notificationId: string) =>
  (
    await sql<{ remind_at: Date; fired_at: Date | null }>`
      SELECT remind_at, fired_at FROM reminders WHERE snooze_of = ${notificationId}`.execute(app.running.services.db)
  ).rows;

/** As if the snooze's minutes had passed: its row falls due `ms` from now, and the clock learns of it. */
async function fastForward(notificationId: string, ms: number): Promise<void> {
  const moved = await sql`UPDATE reminders SET remind_at = ${new Date(Date.now() + ms)} WHERE snooze_of = ${notificationId}`.execute(
    app.running.services.db,
  );
  assert.equal(Number(moved.numAffectedRows), 1, 'one pending snooze row');
  app.running.services.changed();
}

/** A task whose reminder fires now, and its notification. */
async function reminded(title: string, extra: Record<string, unknown> = {}) {
  const task = (await api.post(tasks, { title, due_date: at(30 * 60_000), reminders: [{ at: at(300) }], ...extra })).body;
  assert.ok(task.id, JSON.stringify(task));
  const [note] = await eventually(async () => ((await inboxFor(task.id)).length ? inboxFor(task.id) : undefined));
  return { task, note };
}

const cron = () => client(app.url).post('/reminder-cron', undefined, { 'dapr-api-token': APP_TOKEN });

test('snooze: 200 with the notification and snoozed_until; it fires again once, as a new notification', async () => {
  const { task, note } = await reminded('Buy Milk');
  const before = Date.now();
  const r = await snooze(note.id, { minutes: 10 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const until = Date.parse(r.body.snoozed_until);
  assert.ok(until >= before + 10 * 60_000 && until <= Date.now() + 10 * 60_000, r.body.snoozed_until);
  assert.equal(r.body.id, note.id);
  assert.equal(r.body.task_id, task.id);
  assert.equal(r.body.read, true, 'snoozing marks it read');
  const { snoozed_until, ...rest } = r.body;
  assert.deepEqual(Object.keys(rest).sort(), Object.keys(note).sort(), 'the shape of the inbox items, plus snoozed_until');
  assert.deepEqual(
    (await snoozeRows(note.id)).map((x) => [x.remind_at.toISOString(), x.fired_at]),
    [[snoozed_until, null]],
    'a pending reminder row',
  );

  await fastForward(note.id, 1000);
  const event = await stream.next(
    (e) => e.event === 'notification' && e.data.task_id === task.id && e.data.notification_id !== note.id,
    8000,
  );
  assert.equal(event.data.title, 'Task Due Soon');
  assert.match(event.data.body, /^Your task 'Buy Milk' is due in (29|30) minutes \(at \d\d:\d\d\)\.$/);
  const inbox = await eventually(async () => ((await inboxFor(task.id)).length === 2 ? inboxFor(task.id) : undefined));
  const again = inbox.find((n: any) => n.id !== note.id);
  assert.equal(again.id, event.data.notification_id);
  assert.equal(again.read, false);
  assert.equal((await snoozeRows(note.id))[0]!.fired_at !== null, true, 'the snooze row is fired');

  assert.equal(await app.running.services.scanner.scan(), 0, 'a later scan fires nothing again');
  assert.equal((await cron()).body.fired, 0);
  await drained(app);
  await sleep(500);
  assert.equal((await inboxFor(task.id)).length, 2, 'exactly one re-fire');
});

test('snoozing twice: the later snooze wins (one pending re-fire per notification)', async () => {
  const { task, note } = await reminded('Twice');
  const first = await snooze(note.id, { minutes: 5 });
  const second = await snooze(note.id, { minutes: 30 });
  assert.equal(first.status, 200);
  assert.equal(second.status, 200);
  assert.ok(Date.parse(second.body.snoozed_until) > Date.parse(first.body.snoozed_until));
  const rows = await snoozeRows(note.id);
  assert.deepEqual(
    rows.map((x) => x.remind_at.toISOString()),
    [second.body.snoozed_until],
  );
  await fastForward(note.id, 500);
  await stream.next((e) => e.event === 'notification' && e.data.task_id === task.id && e.data.notification_id !== note.id, 8000);
  await drained(app);
  await sleep(500);
  assert.equal((await inboxFor(task.id)).length, 2, 'one re-fire, not two');
});

test('a snoozed reminder of a task completed or deleted meanwhile does not fire; an edit keeps it', async () => {
  const [done, gone, edited] = await Promise.all([reminded('Done meanwhile'), reminded('Deleted meanwhile'), reminded('Edited meanwhile')]);
  for (const x of [done, gone, edited]) assert.equal((await snooze(x.note.id, { minutes: 1 })).status, 200);
  await api.patch(`${tasks}/${done.task.id}/complete`);
  assert.equal((await api.del(`${tasks}/${gone.task.id}`)).status, 204);
  assert.equal((await api.put(`${tasks}/${edited.task.id}`, { title: 'Edited meanwhile!' })).status, 200);
  assert.deepEqual(await snoozeRows(done.note.id), [], 'completion cancels the snooze');
  assert.deepEqual(await snoozeRows(gone.note.id), [], 'deletion cascades');
  await fastForward(edited.note.id, 500);
  const event = await stream.next(
    (e) => e.event === 'notification' && e.data.task_id === edited.task.id && e.data.notification_id !== edited.note.id,
    8000,
  );
  assert.match(event.data.body, /^Your task 'Edited meanwhile!' is due in/, 'the text of the task as it is now');
  assert.equal(await app.running.services.scanner.scan(), 0);
  await drained(app);
  assert.equal((await inboxFor(done.task.id)).length, 1);
  assert.equal((await inboxFor(gone.task.id)).length, 1);
  assert.equal((await inboxFor(edited.task.id)).length, 2);
  // and a task completed after the snooze's time but before any scan is not reminded either
  const raced = await reminded('Raced');
  assert.equal((await snooze(raced.note.id, { minutes: 1 })).status, 200);
  const { clock } = app.running.services;
  await clock!.stop();
  try {
    await fastForward(raced.note.id, 100);
    await sleep(300);
    await api.patch(`${tasks}/${raced.task.id}/complete`);
    assert.equal((await cron()).body.fired, 0);
  } finally {
    clock!.start();
  }
  await drained(app);
  assert.equal((await inboxFor(raced.task.id)).length, 1);
});

test('snooze: 404 for another user or an unknown id, 409 for a completed or deleted task, 422 for bad minutes', async () => {
  const { task, note } = await reminded('Refusals');
  const other = await signUp(app.url, 'snooze-other');
  const theirs = client(app.url, other.token);
  assert.equal((await snooze(note.id, { minutes: 5 }, theirs, other.userId)).status, 404, "another user's notification");
  assert.equal((await snooze(note.id, { minutes: 5 }, theirs)).status, 403, 'another user path');
  assert.equal((await snooze('00000000-0000-4000-8000-000000000000', { minutes: 5 })).status, 404);
  for (const minutes of [0, 1441, -5, 2.5, 'ten', null]) {
    const r = await snooze(note.id, { minutes });
    assert.equal(r.status, 422, `minutes ${JSON.stringify(minutes)}`);
    assert.equal(r.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(r.body.errors[0].field, 'minutes');
  }
  const missing = await snooze(note.id, {});
  assert.equal(missing.status, 422);
  assert.equal(missing.body.errors[0].field, 'minutes');
  assert.equal((await snooze(note.id, { minutes: 5, extra: 1 })).status, 422);
  assert.deepEqual(await snoozeRows(note.id), [], 'no partial write');
  assert.equal((await inboxFor(task.id))[0].read, false, 'a refused snooze does not mark it read');

  await api.patch(`${tasks}/${task.id}/complete`);
  const completed = await snooze(note.id, { minutes: 5 });
  assert.equal(completed.status, 409);
  assert.match(completed.body.detail, /completed/);
  assert.equal((await api.del(`${tasks}/${task.id}`)).status, 204);
  const deleted = await snooze(note.id, { minutes: 5 });
  assert.equal(deleted.status, 409);
  assert.match(deleted.body.detail, /deleted/);
  assert.deepEqual(await snoozeRows(note.id), []);
});

test("the notification says when the task is due, on the task's clock", async () => {
  // due 20 minutes from now in a zone away from UTC where that is still today (not near local
  // midnight, where the text adds the date): the body shows that zone's wall clock
  const due = new Date(Math.ceil((Date.now() + 20 * 60_000) / 60_000) * 60_000);
  const clock = (zone: string) =>
    new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(due);
  const zone = ['Asia/Tokyo', 'America/New_York'].find((z) => {
    const hour = Number(clock(z).slice(0, 2));
    return hour >= 1 && hour <= 22;
  })!;
  assert.notEqual(clock(zone), clock('UTC'));
  const task = (await api.post(tasks, { title: 'Call Kenji', due_date: due.toISOString(), timezone: zone, reminders: [{ at: at(300) }] }))
    .body;
  const event = await stream.next((e) => e.event === 'notification' && e.data.task_id === task.id, 8000);
  assert.equal(event.data.title, 'Task Due Soon');
  assert.match(event.data.body, new RegExp(`^Your task 'Call Kenji' is due in (19|20|21) minutes \\(at ${clock(zone)}\\)\\.$`));
  // a task without a due date: no doubled "Task Reminder — Reminder: …"
  const plain = (await api.post(tasks, { title: 'Stretch', reminders: [{ at: at(300) }] })).body;
  const e2 = await stream.next((e) => e.event === 'notification' && e.data.task_id === plain.id, 8000);
  assert.deepEqual([e2.data.title, e2.data.body], ['Task Reminder', "Time for your task 'Stretch'."]);
});

test('a reminder set for a time already past: 422 on create and update, nothing written', async () => {
  const count = async () => (await api.get(`${tasks}?limit=200`)).body.length;
  const n = await count();
  const past = await api.post(tasks, { title: 'Too late', reminders: [{ at: at(60_000) }, { at: at(-60_000) }] });
  assert.equal(past.status, 422);
  assert.equal(past.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.deepEqual(
    past.body.errors.map((e: any) => e.field),
    ['reminders/1'],
  );
  assert.match(past.body.errors[0].message, /already passed/);
  const relative = await api.post(tasks, { title: 'Too late', due_date: at(5 * 60_000), reminders: [{ before_minutes: 15 }] });
  assert.equal(relative.status, 422, '15 minutes before a task due in 5');
  assert.equal(relative.body.errors[0].field, 'reminders/0');
  assert.equal(await count(), n, 'no task written');
  // a completed task reminds of nothing: its reminders are not checked
  assert.equal((await api.post(tasks, { title: 'Done', completed: true, reminders: [{ at: at(-60_000) }] })).status, 201);

  const task = (await api.post(tasks, { title: 'Moving', due_date: at(60 * 60_000), reminders: [{ before_minutes: 30 }] })).body;
  const moved = await api.put(`${tasks}/${task.id}`, { due_date: at(10 * 60_000) });
  assert.equal(moved.status, 422, 'moving the due date puts "30 minutes before" in the past');
  assert.equal(moved.body.errors[0].field, 'reminders/0');
  const added = await api.put(`${tasks}/${task.id}`, { reminders: [{ before_minutes: 30 }, { at: at(-1000) }] });
  assert.equal(added.status, 422);
  assert.deepEqual(
    added.body.errors.map((e: any) => e.field),
    ['reminders/1'],
  );
  const current = (await api.get(`${tasks}/${task.id}`)).body;
  assert.equal(current.version, task.version, 'unchanged');
});

test('an update is not refused for a reminder the task already had (fired, or unchanged)', async () => {
  const { task } = await reminded('Already fired');
  const edit = await api.put(`${tasks}/${task.id}`, { title: 'Already fired, edited', reminders: task.reminders });
  assert.equal(edit.status, 200, JSON.stringify(edit.body));
  assert.equal((await api.put(`${tasks}/${task.id}`, { description: 'no reminders field' })).status, 200);
  assert.equal((await api.put(`${tasks}/${task.id}`, { completed: true })).status, 200);
  assert.equal((await api.put(`${tasks}/${task.id}`, { completed: false })).status, 200, 'un-completing keeps the old reminder');
  assert.equal(await app.running.services.scanner.scan(), 0, 'and does not fire it again');
  await drained(app);
  assert.equal((await inboxFor(task.id)).length, 1);
});
