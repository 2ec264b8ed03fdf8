/**
 * Recurrence end to end: completing a recurring task through the API makes the recurring-task
 * consumer create the next occurrence (the math itself is unit-tested in src/recurrence). Each
 * row of the table completes occurrence after occurrence and checks every due date; then the
 * wiring rules: series end, no spawn on un-complete/re-complete/delete, basis, attributes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eventually, type Client, type TestApp } from './support/app.js';
import { appWithUser, drained } from './support/util.js';

let app: TestApp;
let api: Client;
let tasks: string;

before(async () => {
  ({ app, api, tasks } = await appWithUser('recurrence'));
});
after(async () => app?.close());

async function create(body: Record<string, unknown>) {
  const r = await api.post(tasks, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/** Every task of a series (the list is per user; series ids are unique per recurring task). */
async function series(seriesId: string): Promise<any[]> {
  const r = await api.get(`${tasks}?limit=200&sort=created_at`);
  assert.equal(r.status, 200);
  return r.body.filter((t: any) => t.series_id === seriesId);
}

async function complete(task: any) {
  const r = await api.patch(`${tasks}/${task.id}/complete`, { completed: true });
  assert.equal(r.status, 200);
  assert.equal(r.body.completed, true);
  return r.body;
}

/** The occurrence spawned from `done` (waits for the consumer). */
async function spawnedFrom(done: any): Promise<any> {
  return eventually(async () => {
    const pending = (await series(done.series_id)).filter((t) => !t.completed && t.id > done.id);
    return pending.length ? pending : undefined;
  }).then((pending) => {
    assert.equal(pending.length, 1, `exactly one next occurrence: ${JSON.stringify(pending)}`);
    return pending[0];
  });
}

/** After the outbox is drained every consumer has run: nothing (more) was spawned. */
async function assertNothingSpawned(seriesId: string, expectedIds: number[]) {
  await drained(app);
  await new Promise((r) => setTimeout(r, 50));
  await drained(app);
  const ids = (await series(seriesId)).map((t) => t.id);
  assert.deepEqual(ids, expectedIds, 'no further occurrence');
}

const berlin = (iso: string) => {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Berlin',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value;
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
};

interface Row {
  name: string;
  body: Record<string, unknown>;
  /** due dates (UTC ISO) of the occurrences that completing one after the other produces */
  next: string[];
  /** and then the series ends */
  ends?: boolean;
}

const table: Row[] = [
  {
    name: 'monthly preset from Jan 31 clamps to Feb 28, keeps its anchor: Mar 31, Apr 30',
    body: { due_date: '2031-01-31T10:00:00Z', timezone: 'UTC', recurrence: 'monthly' },
    next: ['2031-02-28T10:00:00.000Z', '2031-03-31T10:00:00.000Z', '2031-04-30T10:00:00.000Z'],
  },
  {
    name: 'monthly preset in a leap year: Jan 31 → Feb 29 → Mar 31',
    body: { due_date: '2032-01-31T10:00:00Z', timezone: 'UTC', recurrence: 'monthly' },
    next: ['2032-02-29T10:00:00.000Z', '2032-03-31T10:00:00.000Z'],
  },
  {
    name: 'yearly preset from Feb 29 → Feb 28 … back to Feb 29 in the next leap year',
    body: { due_date: '2032-02-29T08:00:00Z', timezone: 'UTC', recurrence: 'yearly' },
    next: ['2033-02-28T08:00:00.000Z', '2034-02-28T08:00:00.000Z', '2035-02-28T08:00:00.000Z', '2036-02-29T08:00:00.000Z'],
  },
  {
    name: 'FREQ=MONTHLY;BYMONTHDAY=31 skips short months',
    body: { due_date: '2031-01-31T10:00:00Z', timezone: 'UTC', recurrence: 'FREQ=MONTHLY;BYMONTHDAY=31' },
    next: ['2031-03-31T10:00:00.000Z', '2031-05-31T10:00:00.000Z', '2031-07-31T10:00:00.000Z'],
  },
  {
    name: 'FREQ=MONTHLY;BYMONTHDAY=-1 is the last day of every month',
    body: { due_date: '2031-01-31T10:00:00Z', timezone: 'UTC', recurrence: 'FREQ=MONTHLY;BYMONTHDAY=-1' },
    next: ['2031-02-28T10:00:00.000Z', '2031-03-31T10:00:00.000Z', '2031-04-30T10:00:00.000Z'],
  },
  {
    name: 'FREQ=WEEKLY;BYDAY=MO,WE;INTERVAL=2',
    body: { due_date: '2031-01-06T09:00:00Z', timezone: 'UTC', recurrence: 'FREQ=WEEKLY;BYDAY=MO,WE;INTERVAL=2' },
    next: ['2031-01-08T09:00:00.000Z', '2031-01-20T09:00:00.000Z', '2031-01-22T09:00:00.000Z'],
  },
  {
    name: 'daily 09:00 Europe/Berlin across the spring DST change stays 09:00 local',
    body: { due_date: '2031-03-29T09:00:00+01:00', timezone: 'Europe/Berlin', recurrence: 'daily' },
    next: ['2031-03-30T07:00:00.000Z', '2031-03-31T07:00:00.000Z'],
  },
  {
    name: 'daily 09:00 Europe/Berlin across the autumn DST change stays 09:00 local',
    body: { due_date: '2031-10-25T09:00:00+02:00', timezone: 'Europe/Berlin', recurrence: 'FREQ=DAILY' },
    next: ['2031-10-26T08:00:00.000Z', '2031-10-27T08:00:00.000Z'],
  },
  {
    name: 'COUNT=3 ends the series after the third occurrence',
    body: { due_date: '2031-01-01T09:00:00Z', timezone: 'UTC', recurrence: 'FREQ=DAILY;COUNT=3' },
    next: ['2031-01-02T09:00:00.000Z', '2031-01-03T09:00:00.000Z'],
    ends: true,
  },
  {
    name: 'UNTIL (inclusive) ends the series',
    body: { due_date: '2031-01-01T09:00:00Z', timezone: 'UTC', recurrence: 'FREQ=WEEKLY;UNTIL=20310115T090000Z' },
    next: ['2031-01-08T09:00:00.000Z', '2031-01-15T09:00:00.000Z'],
    ends: true,
  },
  {
    name: 'COUNT=5 completed years late: the skipped slots count, the series is over',
    body: { due_date: '2020-01-01T09:00:00Z', timezone: 'UTC', recurrence: 'FREQ=DAILY;COUNT=5' },
    next: [],
    ends: true,
  },
];

describe('next occurrence after completion (table)', () => {
  for (const row of table) {
    test(row.name, async () => {
      let current = await create({ title: row.name.slice(0, 60), ...row.body });
      assert.ok(current.series_id, 'a recurring task has a series');
      const ids = [current.id];
      for (const expected of row.next) {
        const done = await complete(current);
        const next = await spawnedFrom(done);
        assert.equal(next.due_date, expected, `after ${done.due_date}`);
        assert.equal(next.series_id, current.series_id);
        if (row.body.timezone === 'Europe/Berlin') assert.match(berlin(next.due_date), / 09:00$/, 'wall clock kept');
        ids.push(next.id);
        current = next;
      }
      if (row.ends) {
        await complete(current);
        await assertNothingSpawned(current.series_id, ids);
      }
    });
  }

  test('an overdue daily task rolls forward to the first occurrence after now, at its local time', async () => {
    const t = await create({
      title: 'Water plants',
      due_date: '2020-01-06T09:00:00+01:00',
      timezone: 'Europe/Berlin',
      recurrence: 'daily',
    });
    const before = Date.now();
    const next = await spawnedFrom(await complete(t));
    const due = Date.parse(next.due_date);
    assert.ok(due > before, `next due ${next.due_date} is in the future`);
    assert.ok(due - 25 * 3600_000 <= Date.now(), `and it is the first one after now, not a later one (${next.due_date})`);
    assert.match(berlin(next.due_date), / 09:00$/);
  });
});

describe('what does not spawn', () => {
  test('un-completing and re-completing does not spawn a second occurrence', async () => {
    const t = await create({ title: 'Toggle recurring', due_date: '2031-06-01T09:00:00Z', timezone: 'UTC', recurrence: 'daily' });
    const next = await spawnedFrom(await complete(t));
    const undo = await api.patch(`${tasks}/${t.id}/complete`, { completed: false });
    assert.equal(undo.body.completed, false);
    await assertNothingSpawned(t.series_id, [t.id, next.id]);
    await complete(t);
    await api.patch(`${tasks}/${t.id}/complete`); // toggle off
    await api.patch(`${tasks}/${t.id}/complete`); // and on again
    await api.put(`${tasks}/${t.id}`, { completed: false });
    await api.put(`${tasks}/${t.id}`, { completed: true });
    await assertNothingSpawned(t.series_id, [t.id, next.id]);
    const all = await series(t.series_id);
    assert.equal(all.find((x) => x.id === next.id).due_date, '2031-06-02T09:00:00.000Z', 'the one occurrence is untouched');
  });

  test('editing a pending recurring task, or setting it pending again, spawns nothing', async () => {
    const t = await create({ title: 'Created pending', due_date: '2031-06-01T09:00:00Z', recurrence: 'weekly' });
    await api.put(`${tasks}/${t.id}`, { title: 'edited' });
    await api.patch(`${tasks}/${t.id}/complete`, { completed: false }); // no-op: already pending
    await assertNothingSpawned(t.series_id, [t.id]);
  });

  test('deleting a recurring task (pending or completed) spawns nothing', async () => {
    const pending = await create({ title: 'Delete me', due_date: '2031-06-01T09:00:00Z', recurrence: 'daily' });
    assert.equal((await api.del(`${tasks}/${pending.id}`)).status, 204);
    await assertNothingSpawned(pending.series_id, []);

    const done = await create({ title: 'Delete me done', due_date: '2031-06-01T09:00:00Z', recurrence: 'daily' });
    const next = await spawnedFrom(await complete(done));
    assert.equal((await api.del(`${tasks}/${done.id}`)).status, 204);
    await assertNothingSpawned(done.series_id, [next.id]);
  });

  test('a completed recurring task whose series was removed (recurrence: null) spawns nothing', async () => {
    const t = await create({ title: 'No longer recurring', due_date: '2031-06-01T09:00:00Z', recurrence: 'daily' });
    const edited = await api.put(`${tasks}/${t.id}`, { recurrence: null });
    assert.equal(edited.body.recurrence, null);
    await complete(t);
    await drained(app);
    const all = (await api.get(`${tasks}?limit=200`)).body.filter((x: any) => x.title === 'No longer recurring');
    assert.equal(all.length, 1);
  });

  test('completion through PUT spawns exactly like PATCH', async () => {
    const t = await create({ title: 'Via PUT', due_date: '2031-06-01T09:00:00Z', timezone: 'UTC', recurrence: 'daily' });
    const r = await api.put(`${tasks}/${t.id}`, { completed: true });
    assert.equal(r.status, 200);
    const next = await spawnedFrom(r.body);
    assert.equal(next.due_date, '2031-06-02T09:00:00.000Z');
  });
});

describe('recurrence_basis', () => {
  const WEEK = 7 * 86_400_000;

  test('due_date (default): the next Wednesday 09:00 after now; completion: a week after the completion day', async () => {
    const byDue = await create({ title: 'by due', due_date: '2020-01-01T09:00:00Z', timezone: 'UTC', recurrence: 'weekly' });
    const byCompletion = await create({
      title: 'by completion',
      due_date: '2020-01-01T09:00:00Z',
      timezone: 'UTC',
      recurrence: 'weekly',
      recurrence_basis: 'completion',
    });
    assert.equal(byDue.recurrence_basis, 'due_date');
    assert.equal(byCompletion.recurrence_basis, 'completion');

    const doneA = await complete(byDue);
    const nextA = await spawnedFrom(doneA);
    // first Wednesday 09:00Z strictly after the completion
    let expected = Date.parse('2020-01-01T09:00:00Z');
    while (expected <= Date.parse(doneA.completed_at)) expected += WEEK;
    assert.equal(nextA.due_date, new Date(expected).toISOString());
    assert.equal(new Date(nextA.due_date).getUTCDay(), 3, 'stays on Wednesdays');

    const doneB = await complete(byCompletion);
    const nextB = await spawnedFrom(doneB);
    const completionDayAt9 = Date.parse(`${doneB.completed_at.slice(0, 10)}T09:00:00Z`);
    assert.equal(nextB.due_date, new Date(completionDayAt9 + WEEK).toISOString(), 'one week after the completion day, at 09:00');
    assert.equal(nextB.recurrence_basis, 'completion');
  });

  test('a recurring task without a due date: the next one is due one period after the completion', async () => {
    const t = await create({ title: 'no due date', timezone: 'UTC', recurrence: 'daily' });
    const done = await complete(t);
    const next = await spawnedFrom(done);
    assert.equal(Date.parse(next.due_date) - Date.parse(done.completed_at), 86_400_000);
  });
});

describe('what the next occurrence carries over', () => {
  test('title, description, priority, tags, zone, recurrence, basis, series; reminders re-anchored and scheduled', async () => {
    const t = await create({
      title: 'Pay rent',
      description: 'IBAN in the drawer',
      priority: 'urgent',
      tags: ['Home', 'money'],
      due_date: '2031-01-31T10:00:00Z',
      timezone: 'America/New_York',
      reminders: [{ before_minutes: 60 }, { at: '2031-01-30T10:00:00Z' }],
      recurrence: 'FREQ=MONTHLY;BYMONTHDAY=-1',
    });
    const done = await complete(t);
    const next = await spawnedFrom(done);
    assert.notEqual(next.id, t.id);
    assert.equal(next.title, 'Pay rent');
    assert.equal(next.description, 'IBAN in the drawer');
    assert.equal(next.priority, 'urgent');
    assert.deepEqual(next.tags, ['home', 'money']);
    assert.equal(next.timezone, 'America/New_York');
    assert.equal(next.recurrence, t.recurrence);
    assert.equal(next.recurrence_basis, 'due_date');
    assert.equal(next.series_id, t.series_id);
    assert.equal(next.completed, false);
    assert.equal(next.status, 'pending');
    assert.equal(next.completed_at, null);
    assert.equal(next.version, 1);
    // last day of the month in New York, at the same local time (05:00 EST)
    assert.equal(next.due_date, '2031-02-28T10:00:00.000Z');
    const shift = Date.parse(next.due_date) - Date.parse(t.due_date);
    assert.deepEqual(next.reminders, [{ before_minutes: 60 }, { at: new Date(Date.parse('2031-01-30T10:00:00Z') + shift).toISOString() }]);
    const scheduled = await sql<{
      remind_at: Date;
    }>`SELECT remind_at FROM reminders WHERE task_id = ${next.id} AND fired_at IS NULL ORDER BY remind_at`.execute(app.running.services.db);
    assert.deepEqual(
      scheduled.rows.map((r) => new Date(r.remind_at).toISOString()),
      ['2031-02-27T10:00:00.000Z', '2031-02-28T09:00:00.000Z'],
      'both reminders of the next occurrence are armed',
    );
    const original = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM reminders WHERE task_id = ${t.id} AND fired_at IS NULL`.execute(app.running.services.db);
    assert.equal(original.rows[0]?.n, 0, 'the completed occurrence has no pending reminders');
    const history = await eventually(async () => {
      const h = (await api.get(`${tasks}/${next.id}/history`)).body;
      return h.length ? h : undefined;
    });
    assert.deepEqual(
      history.map((e: any) => e.event_type),
      ['created'],
      'the spawned occurrence has its own created event',
    );
  });
});
