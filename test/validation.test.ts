/**
 * Bad input gets a clear error and changes nothing: every field bound on create and update, malformed JSON, oversized
 * bodies and bad query parameters get an RFC 9457 problem naming the offending field — and change
 * nothing (no task, no version bump, no outbox event, no history entry).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { client, signUp, type Session, type TestApp } from './support/app.js';
import { drained, outboxCount, startTestApp, taskCount } from './support/util.js';

let app: TestApp;
let me: Session;
let api: ReturnType<typeof client>;
/** a task every update case targets; it must never change */
let target: any;

before(async () => {
  app = await startTestApp();
  me = await signUp(app.url, 'validation');
  api = client(app.url, me.token);
  const r = await api.post(`/api/${me.userId}/tasks`, {
    title: 'Target',
    due_date: '2031-05-01T10:00:00+02:00',
    timezone: 'Europe/Berlin',
    reminders: [{ before_minutes: 15 }],
  });
  assert.equal(r.status, 201);
  target = r.body;
  await drained(app);
});
after(async () => app?.close());

const tasks = () => `/api/${me.userId}/tasks`;

/** Everything a bad request could have touched. */
async function snapshot() {
  const [count, outbox, task, history, prefs] = await Promise.all([
    taskCount(app, me.userId),
    outboxCount(app, me.userId),
    api.get(`${tasks()}/${target.id}`),
    api.get(`${tasks()}/${target.id}/history`),
    api.get(`/api/${me.userId}/preferences`),
  ]);
  return { count, outbox, task: task.body, history: history.body, prefs: prefs.body };
}

function assertProblem(r: { status: number; headers: Headers; body: any }, status: number, field?: string | RegExp) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(r.body.status, status);
  assert.equal(typeof r.body.type, 'string');
  assert.equal(typeof r.body.title, 'string');
  if (field === undefined) return;
  assert.ok(Array.isArray(r.body.errors) && r.body.errors.length > 0, `errors[] present: ${JSON.stringify(r.body)}`);
  const fields: string[] = r.body.errors.map((e: { field: string; message: string }) => {
    assert.ok(e.message.length > 0, 'each error has a message');
    return e.field;
  });
  assert.ok(
    fields.some((f) => (typeof field === 'string' ? f === field : field.test(f))),
    `errors name ${String(field)}: ${JSON.stringify(r.body.errors)}`,
  );
}

const long = (n: number, ch = 'a') => ch.repeat(n);
const inFuture = '2031-01-01T09:00:00Z';

/** [label, body fields, offending field]: each is invalid on create and on update. */
const badFields: [string, Record<string, unknown>, string | RegExp][] = [
  ['title empty', { title: '' }, 'title'],
  ['title blank', { title: '   \t ' }, 'title'],
  ['title 201 chars', { title: long(201) }, 'title'],
  ['title not a string', { title: 42 }, 'title'],
  ['title null', { title: null }, 'title'],
  ['description 4001 chars', { description: long(4001) }, 'description'],
  ['description not a string', { description: ['x'] }, 'description'],
  ['priority unknown', { priority: 'critical' }, 'priority'],
  ['priority in another case', { priority: 'HIGH' }, 'priority'],
  ['21 tags', { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'tags'],
  ['tag of 51 chars', { tags: ['ok', long(51)] }, 'tags/1'],
  ['tag not a string', { tags: [7] }, 'tags/0'],
  ['tag blank', { tags: ['fine', '   '] }, 'tags/1'],
  ['tags not an array', { tags: 'a,b' }, 'tags'],
  ['due_date without offset', { due_date: '2031-01-01T09:00:00' }, 'due_date'],
  ['due_date date only', { due_date: '2031-01-01' }, 'due_date'],
  ['due_date garbage', { due_date: 'next tuesday' }, 'due_date'],
  ['due_date impossible day', { due_date: '2031-02-30T09:00:00Z' }, 'due_date'],
  ['due_date a number', { due_date: 1700000000000 }, 'due_date'],
  // dates are years 1900–2200; a two-digit-looking year such as 0050 must not be read as 1950
  ['due_date in year 0050', { due_date: '0050-06-01T00:00:00Z' }, 'due_date'],
  ['due_date in year 1899', { due_date: '1899-12-31T23:59:59Z' }, 'due_date'],
  ['due_date pushed before 1900 by its offset', { due_date: '1900-01-01T00:30:00+01:00' }, 'due_date'],
  ['due_date in year 2201', { due_date: '2201-01-01T00:00:00Z' }, 'due_date'],
  ['due_date in year 9999', { due_date: '9999-12-31T00:00:00Z' }, 'due_date'],
  [
    'reminder at in year 0050',
    { due_date: inFuture, reminders: [{ before_minutes: 5 }, { at: '0050-06-01T00:00:00Z' }] },
    'reminders/1/at',
  ],
  ['reminder at in year 2300', { reminders: [{ at: '2300-01-01T00:00:00Z' }] }, 'reminders/0/at'],
  ['recurrence UNTIL in year 1500', { due_date: inFuture, recurrence: 'FREQ=DAILY;UNTIL=15000101' }, 'recurrence'],
  ['recurrence UNTIL in year 2201', { due_date: inFuture, recurrence: 'FREQ=DAILY;UNTIL=22010101T000000Z' }, 'recurrence'],
  ['timezone unknown', { timezone: 'Mars/Olympus_Mons' }, 'timezone'],
  ['timezone empty', { timezone: '' }, 'timezone'],
  ['11 reminders', { due_date: inFuture, reminders: Array.from({ length: 11 }, (_, i) => ({ before_minutes: i })) }, 'reminders'],
  ['before_minutes negative', { due_date: inFuture, reminders: [{ before_minutes: -5 }] }, 'reminders/0/before_minutes'],
  ['before_minutes fractional', { due_date: inFuture, reminders: [{ before_minutes: 1.5 }] }, 'reminders/0/before_minutes'],
  ['relative reminder without due_date', { due_date: null, reminders: [{ before_minutes: 10 }] }, 'reminders/0/before_minutes'],
  ['reminder of unknown shape', { due_date: inFuture, reminders: [{ minutes: 5 }] }, /^reminders\/0/],
  ['reminder with both shapes', { due_date: inFuture, reminders: [{ at: inFuture, before_minutes: 5 }] }, /^reminders\/0/],
  ['reminder at garbage', { reminders: [{ at: 'soon' }] }, /^reminders\/0/],
  ['reminders not an array', { reminders: { before_minutes: 5 } }, 'reminders'],
  ['recurrence invalid RRULE', { due_date: inFuture, recurrence: 'FREQ=SOMETIMES' }, 'recurrence'],
  ['recurrence unknown preset', { due_date: inFuture, recurrence: 'fortnightly' }, 'recurrence'],
  ['recurrence out-of-range BYMONTHDAY', { due_date: inFuture, recurrence: 'FREQ=MONTHLY;BYMONTHDAY=32' }, 'recurrence'],
  ['recurrence that never occurs', { due_date: inFuture, recurrence: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' }, 'recurrence'],
  ['recurrence with COUNT and UNTIL', { due_date: inFuture, recurrence: 'FREQ=DAILY;COUNT=3;UNTIL=20310201T000000Z' }, 'recurrence'],
  ['recurrence_basis unknown', { recurrence_basis: 'whenever' }, 'recurrence_basis'],
  ['completed not a boolean', { completed: 'yes' }, 'completed'],
  ['unknown field', { colour: 'red' }, 'colour'],
  ['read-only id', { id: 99 }, 'id'],
  ['read-only version', { version: 7 }, 'version'],
  ['read-only series_id', { series_id: '00000000-0000-4000-8000-000000000000' }, 'series_id'],
];

describe('create: every bad field → 422 naming it, nothing written', () => {
  test('title missing', async () => {
    const before = await snapshot();
    assertProblem(await api.post(tasks(), { description: 'no title' }), 422, 'title');
    assert.deepEqual(await snapshot(), before);
  });

  for (const [label, fields, field] of badFields) {
    test(label, async () => {
      const before = await snapshot();
      const body = { title: 'Valid title', ...fields };
      assertProblem(await api.post(tasks(), body), 422, field);
      assert.deepEqual(await snapshot(), before);
    });
  }

  test('several bad fields are reported together', async () => {
    const before = await snapshot();
    const r = await api.post(tasks(), { title: '', priority: 'critical', timezone: 'Nowhere/Land', tags: [long(60)] });
    assertProblem(r, 422, 'title');
    const fields = r.body.errors.map((e: { field: string }) => e.field);
    for (const f of ['priority', 'tags/0']) assert.ok(fields.includes(f), `${f} in ${fields.join(',')}`);
    assert.deepEqual(await snapshot(), before);
  });

  test('schema-valid but semantically bad fields are reported together too', async () => {
    const before = await snapshot();
    const r = await api.post(tasks(), { title: '  ', timezone: 'Nowhere/Land', recurrence: 'bogus', reminders: [{ before_minutes: 5 }] });
    const fields = r.body.errors?.map((e: { field: string }) => e.field) ?? [];
    assertProblem(r, 422, 'title');
    for (const f of ['timezone', 'recurrence', 'reminders/0/before_minutes']) assert.ok(fields.includes(f), `${f} in ${fields.join(',')}`);
    assert.deepEqual(await snapshot(), before);
  });

  test('the bounds themselves are accepted (no off-by-one)', async () => {
    const r = await api.post(tasks(), {
      title: long(200, 'T'),
      description: long(4000, 'd'),
      tags: Array.from({ length: 20 }, (_, i) => `${long(48, 'x')}${String(i).padStart(2, '0')}`),
      due_date: inFuture,
      reminders: [...Array.from({ length: 9 }, (_, i) => ({ before_minutes: i })), { at: '2030-12-31T09:00:00Z' }],
      timezone: 'America/Argentina/Buenos_Aires',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO,WE;INTERVAL=2',
      recurrence_basis: 'completion',
      priority: 'urgent',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.title.length, 200);
    assert.equal(r.body.description.length, 4000);
    assert.equal(r.body.tags.length, 20);
    assert.equal(r.body.reminders.length, 10);
    assert.equal((await api.del(`${tasks()}/${r.body.id}`)).status, 204);
    await drained(app);
  });

  test('the first and last instants of the years 1900–2200 are accepted, stored as sent', async () => {
    for (const [due, until] of [
      ['1900-01-01T00:00:00.000Z', '19000105'],
      ['2200-12-31T23:59:59.000Z', '22001231T235959Z'],
    ] as const) {
      // a reminder in the past is refused for its own reason: only the future edge carries one
      const r = await api.post(tasks(), {
        title: 'edge',
        due_date: due,
        reminders: due.startsWith('2200') ? [{ at: due }] : [],
        recurrence: `FREQ=DAILY;UNTIL=${until}`,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.due_date, due);
      assert.equal((await api.get(`${tasks()}/${r.body.id}`)).body.due_date, due);
      assert.equal((await api.get(`${tasks()}?due_from=${due}&due_to=${due}`)).status, 200);
      assert.equal((await api.del(`${tasks()}/${r.body.id}`)).status, 204);
    }
    await drained(app);
  });
});

describe('update: every bad field → 422 naming it, the task unchanged', () => {
  for (const [label, fields, field] of badFields) {
    test(label, async () => {
      const before = await snapshot();
      assertProblem(await api.put(`${tasks()}/${target.id}`, fields), 422, field);
      assert.deepEqual(await snapshot(), before);
    });
  }

  test('removing the due date of a task with a relative reminder', async () => {
    const before = await snapshot();
    assertProblem(await api.put(`${tasks()}/${target.id}`, { due_date: null }), 422, 'reminders/0/before_minutes');
    assert.deepEqual(await snapshot(), before);
  });

  test('a valid change next to an invalid one is not applied half-way', async () => {
    const before = await snapshot();
    assertProblem(
      await api.put(`${tasks()}/${target.id}`, { title: 'New title', description: 'new', timezone: 'Bad/Zone' }),
      422,
      'timezone',
    );
    assert.deepEqual(await snapshot(), before);
  });

  test('PATCH complete with a bad body', async () => {
    const before = await snapshot();
    assertProblem(await api.patch(`${tasks()}/${target.id}/complete`, { completed: 'yes' }), 422, /completed|\(body\)/);
    assertProblem(await api.patch(`${tasks()}/${target.id}/complete`, { done: true }), 422, /done|completed|\(body\)/);
    assertProblem(await api.patch(`${tasks()}/${target.id}/complete`, [true]), 422);
    assert.deepEqual(await snapshot(), before);
  });

  test('preferences with an unknown time zone or field', async () => {
    const before = await snapshot();
    assertProblem(await api.put(`/api/${me.userId}/preferences`, { timezone: 'Europe/Atlantis' }), 422, 'timezone');
    assertProblem(await api.put(`/api/${me.userId}/preferences`, {}), 422, '(body)'); // nothing to set
    assertProblem(await api.put(`/api/${me.userId}/preferences`, { week_start: 'friday' }), 422, 'week_start');
    assertProblem(await api.put(`/api/${me.userId}/preferences`, { timezone: 'UTC', theme: 'dark' }), 422, 'theme');
    assert.deepEqual(await snapshot(), before);
  });

  test('a non-integer or out-of-range task id', async () => {
    for (const id of ['abc', '1.5', '0', '-3', '99999999999']) {
      assertProblem(await api.get(`${tasks()}/${id}`), 422, 'id');
    }
  });
});

describe('malformed and oversized bodies', () => {
  const writes: [string, string, () => string][] = [
    ['POST', 'create', () => tasks()],
    ['PUT', 'update', () => `${tasks()}/${target.id}`],
    ['PATCH', 'complete', () => `${tasks()}/${target.id}/complete`],
    ['PUT', 'preferences', () => `/api/${me.userId}/preferences`],
  ];

  for (const [method, name, url] of writes) {
    test(`${method} ${name}: malformed JSON → 400, empty JSON body → 400, not JSON → 415`, async () => {
      const before = await snapshot();
      for (const text of ['{"title": "x",', "{'title': 'x'}", '{"title": "x"} trailing', 'undefined']) {
        assertProblem(await api.call(method, url(), text), 400);
      }
      assertProblem(await api.call(method, url(), '', { 'content-type': 'application/json' }), 400);
      assertProblem(await api.call(method, url(), 'title=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
      assert.deepEqual(await snapshot(), before);
    });

    test(`${method} ${name}: body over 64 KB → 413`, async () => {
      const before = await snapshot();
      const big = JSON.stringify({ title: 'big', description: long(70 * 1024) });
      assertProblem(await api.call(method, url(), big), 413);
      assert.deepEqual(await snapshot(), before);
    });
  }

  test('a body just under 64 KB is not refused for its size', async () => {
    // valid JSON, rejected for the description bound (422), not for size (413)
    const body = JSON.stringify({ title: 'big', description: long(60 * 1024) });
    assertProblem(await api.call('POST', tasks(), body), 422, 'description');
  });
});

describe('invalid query parameters → 422 naming the parameter', () => {
  const cases: [string, string][] = [
    ['sort=bogus', 'sort'],
    ['sort=-bogus', 'sort'],
    ['sort=--title', 'sort'],
    ['sort=title;DROP TABLE tasks', 'sort'],
    ['priority=critical', 'priority'],
    ['priority=high,nope', 'priority'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=2.5', 'limit'],
    ['limit=-1', 'limit'],
    ['cursor=garbage', 'cursor'],
    [`cursor=${Buffer.from('{"s":"created_at","v":null}').toString('base64url')}`, 'cursor'],
    ['status=done', 'status'],
    ['due_from=yesterday', 'due_from'],
    ['due_to=2031-01-01', 'due_to'],
    ['due_from=0050-06-01T00:00:00Z', 'due_from'],
    ['due_to=2201-01-01T00:00:00Z', 'due_to'],
    ['overdue=maybe', 'overdue'],
    ['unknown=1', 'unknown'],
    [`q=${long(201)}`, 'q'],
  ];
  for (const [query, field] of cases) {
    test(query.slice(0, 40), async () => {
      const before = await snapshot();
      assertProblem(await api.get(`${tasks()}?${query}`), 422, field);
      assert.deepEqual(await snapshot(), before);
    });
  }

  test('a cursor of another sort order is refused', async () => {
    await api.post(tasks(), { title: 'second' });
    await api.post(tasks(), { title: 'third' });
    const page = await api.get(`${tasks()}?sort=title&limit=1`);
    const link = page.headers.get('link') ?? '';
    const cursor = /[?&]cursor=([^&>]+)/.exec(link)?.[1];
    assert.ok(cursor, `a next link: ${link}`);
    assert.equal((await api.get(`${tasks()}?sort=title&limit=1&cursor=${cursor}`)).status, 200);
    assertProblem(await api.get(`${tasks()}?sort=due_date&limit=1&cursor=${cursor}`), 422, 'cursor');
  });

  test('notifications: bad unread / limit', async () => {
    assertProblem(await api.get(`/api/${me.userId}/notifications?unread=perhaps`), 422, 'unread');
    assertProblem(await api.get(`/api/${me.userId}/notifications?limit=0`), 422, 'limit');
  });
});
