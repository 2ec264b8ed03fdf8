/**
 * The tasks API through HTTP: CRUD and every field, filters and keyword search,
 * every sort, keyset pagination (Link + X-Total-Count), ETag/If-Match, completion, history.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { client, eventually, signUp, type Session, type TestApp } from './support/app.js';
import { drained, startTestApp } from './support/util.js';
import { freshTask } from '../src/events/testing.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => app?.close());

type Api = ReturnType<typeof client>;
async function user(name: string): Promise<{ me: Session; api: Api; tasks: string }> {
  const me = await signUp(app.url, name);
  return { me, api: client(app.url, me.token), tasks: `/api/${me.userId}/tasks` };
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function historyOf(api: Api, tasks: string, id: number, n: number) {
  return eventually(async () => {
    const r = await api.get(`${tasks}/${id}/history`);
    return r.status === 200 && r.body.length >= n ? r.body : undefined;
  });
}

describe('create, read, update, delete', () => {
  let u: Awaited<ReturnType<typeof user>>;
  before(async () => {
    u = await user('crud');
  });

  test('create with only a title: 201, Location, ETag and every default', async () => {
    const r = await u.api.post(u.tasks, { title: '  Buy milk  ' });
    assert.equal(r.status, 201);
    const t = r.body;
    assert.equal(r.headers.get('location'), `${u.tasks}/${t.id}`);
    assert.equal(r.headers.get('etag'), '"1"');
    assert.ok(Number.isInteger(t.id) && t.id > 0);
    const inbox = (await u.api.get(`/api/${u.me.userId}/projects`)).body.find((p: { inbox: boolean }) => p.inbox);
    assert.deepEqual(
      { ...t, id: 0, created_at: '', updated_at: '', position: typeof t.position },
      {
        ...freshTask({ id: 0, userId: u.me.userId, title: 'Buy milk', at: '' }),
        project_id: inbox.id,
        parent_id: null,
        position: 'string',
        assignee_id: null,
        subtask_count: 0,
        completed_subtask_count: 0,
      },
    );
    assert.match(t.created_at, ISO);
    assert.match(t.updated_at, ISO);
    assert.ok(Math.abs(Date.parse(t.created_at) - Date.now()) < 60_000);
    const got = await u.api.get(`${u.tasks}/${t.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, t);
    assert.equal(got.headers.get('etag'), '"1"');
  });

  test('create with every field: normalised and echoed', async () => {
    const r = await u.api.post(u.tasks, {
      title: 'Plan trip',
      description: 'Flights, hotel — and "quotes" \\ backslash',
      priority: 'high',
      tags: [' Travel ', 'travel', 'FAMILY', 'family ', 'x'],
      due_date: '2031-05-01T10:00:00+02:00',
      timezone: 'Europe/Berlin',
      reminders: [{ before_minutes: 30 }, { at: '2031-04-30T18:00:00-04:00' }],
      recurrence: 'freq=weekly;byday=mo,we;interval=2',
      recurrence_basis: 'completion',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const t = r.body;
    assert.equal(t.description, 'Flights, hotel — and "quotes" \\ backslash');
    assert.equal(t.priority, 'high');
    assert.deepEqual(t.tags, ['travel', 'family', 'x'], 'trimmed, lower-cased, unique, first occurrence order');
    assert.equal(t.due_date, '2031-05-01T08:00:00.000Z', 'stored as the instant, shown in UTC');
    assert.equal(t.timezone, 'Europe/Berlin');
    assert.deepEqual(t.reminders, [{ before_minutes: 30 }, { at: '2031-04-30T18:00:00-04:00' }]);
    assert.match(t.recurrence, /^(RRULE:)?FREQ=WEEKLY;/, 'canonical upper-case RRULE');
    assert.match(t.recurrence, /BYDAY=MO,WE/);
    assert.match(t.recurrence, /INTERVAL=2/);
    assert.equal(t.recurrence_basis, 'completion');
    assert.match(t.series_id, UUID, 'a recurring task starts a series');
    assert.deepEqual((await u.api.get(`${u.tasks}/${t.id}`)).body, t);
  });

  test('create already completed: status mirror and completed_at', async () => {
    const r = await u.api.post(u.tasks, { title: 'Done already', completed: true });
    assert.equal(r.status, 201);
    assert.equal(r.body.completed, true);
    assert.equal(r.body.status, 'completed');
    assert.match(r.body.completed_at, ISO);
  });

  test('PUT changes only the fields sent; version, ETag and updated_at move', async () => {
    const c = (
      await u.api.post(u.tasks, {
        title: 'Original',
        description: 'keep me',
        tags: ['a'],
        due_date: '2031-01-01T09:00:00Z',
        reminders: [{ before_minutes: 5 }],
        priority: 'low',
      })
    ).body;
    await new Promise((r) => setTimeout(r, 5));
    const r = await u.api.put(`${u.tasks}/${c.id}`, { priority: 'urgent', tags: ['B', 'c '] });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('etag'), '"2"');
    assert.deepEqual(
      { ...r.body, updated_at: '' },
      { ...c, priority: 'urgent', tags: ['b', 'c'], version: 2, updated_at: '' },
      'everything else unchanged (title, description, due_date, reminders, created_at, ...)',
    );
    assert.ok(Date.parse(r.body.updated_at) > Date.parse(c.updated_at), 'updated_at moved');
    const empty = await u.api.put(`${u.tasks}/${c.id}`, {});
    assert.equal(empty.status, 200);
    assert.equal(empty.body.title, 'Original');
    const clear = await u.api.put(`${u.tasks}/${c.id}`, { due_date: null, reminders: [], description: '', tags: [] });
    assert.equal(clear.status, 200);
    assert.equal(clear.body.due_date, null);
    assert.deepEqual(clear.body.reminders, []);
    assert.deepEqual(clear.body.tags, []);
    assert.equal(clear.body.description, '');
    assert.deepEqual((await u.api.get(`${u.tasks}/${c.id}`)).body, clear.body);
  });

  test('PUT completed: true/false sets and clears completed_at', async () => {
    const c = (await u.api.post(u.tasks, { title: 'Via PUT' })).body;
    const done = await u.api.put(`${u.tasks}/${c.id}`, { completed: true });
    assert.equal(done.body.status, 'completed');
    assert.match(done.body.completed_at, ISO);
    const again = await u.api.put(`${u.tasks}/${c.id}`, { completed: true, title: 'Via PUT 2' });
    assert.equal(again.body.completed_at, done.body.completed_at, 'completed_at kept while it stays completed');
    const undone = await u.api.put(`${u.tasks}/${c.id}`, { completed: false });
    assert.equal(undone.body.status, 'pending');
    assert.equal(undone.body.completed_at, null);
  });

  test('DELETE → 204, then 404 everywhere, and it is gone from the list', async () => {
    const c = (await u.api.post(u.tasks, { title: 'Doomed' })).body;
    const d = await u.api.del(`${u.tasks}/${c.id}`);
    assert.equal(d.status, 204);
    assert.equal(d.body, undefined);
    assert.equal((await u.api.get(`${u.tasks}/${c.id}`)).status, 404);
    assert.equal((await u.api.put(`${u.tasks}/${c.id}`, { title: 'zombie' })).status, 404);
    assert.equal((await u.api.patch(`${u.tasks}/${c.id}/complete`)).status, 404);
    assert.equal((await u.api.del(`${u.tasks}/${c.id}`)).status, 404);
    const list = await u.api.get(`${u.tasks}?limit=200`);
    assert.ok(!list.body.some((t: { id: number }) => t.id === c.id));
  });

  test('the default time zone comes from preferences; an explicit one wins', async () => {
    const v = await user('tz');
    const prefs = `/api/${v.me.userId}/preferences`;
    assert.deepEqual((await v.api.get(prefs)).body, { timezone: 'UTC', week_start: 'monday', name: 'tz' });
    assert.equal((await v.api.post(v.tasks, { title: 'before' })).body.timezone, 'UTC');
    const put = await v.api.put(prefs, { timezone: 'America/New_York' });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, { timezone: 'America/New_York', week_start: 'monday', name: 'tz' });
    assert.deepEqual((await v.api.get(prefs)).body, { timezone: 'America/New_York', week_start: 'monday', name: 'tz' });
    assert.equal((await v.api.post(v.tasks, { title: 'after' })).body.timezone, 'America/New_York');
    assert.equal((await v.api.post(v.tasks, { title: 'explicit', timezone: 'Asia/Kolkata' })).body.timezone, 'Asia/Kolkata');
    // existing tasks keep their zone; other users are unaffected
    const all = (await v.api.get(`${v.tasks}?sort=created_at`)).body;
    assert.deepEqual(
      all.map((t: any) => t.timezone),
      ['UTC', 'America/New_York', 'Asia/Kolkata'],
    );
    assert.equal((await u.api.post(u.tasks, { title: 'other user' })).body.timezone, 'UTC');
  });
});

describe('completion', () => {
  test('PATCH without a body toggles; with {completed} sets (idempotently)', async () => {
    const u = await user('complete');
    const c = (await u.api.post(u.tasks, { title: 'Toggle me' })).body;
    const url = `${u.tasks}/${c.id}/complete`;
    const on = await u.api.patch(url);
    assert.equal(on.status, 200);
    assert.equal(on.body.completed, true);
    assert.equal(on.body.status, 'completed');
    assert.match(on.body.completed_at, ISO);
    assert.equal(on.body.version, 2);
    assert.equal(on.headers.get('etag'), '"2"');
    const off = await u.api.patch(url);
    assert.equal(off.body.completed, false);
    assert.equal(off.body.status, 'pending');
    assert.equal(off.body.completed_at, null);
    assert.equal(off.body.version, 3);
    const set = await u.api.patch(url, { completed: true });
    assert.equal(set.body.completed, true);
    assert.equal(set.body.version, 4);
    const same = await u.api.patch(url, { completed: true });
    assert.equal(same.status, 200);
    assert.equal(same.body.completed, true);
    assert.equal(same.body.version, 4, 'setting the current value is a no-op');
    assert.equal(same.body.completed_at, set.body.completed_at);
    const unset = await u.api.patch(url, { completed: false });
    assert.equal(unset.body.completed, false);
    assert.equal(unset.body.version, 5);
    await drained(app);
    const history = (await u.api.get(`${u.tasks}/${c.id}/history`)).body;
    assert.deepEqual(
      history.map((h: any) => h.event_type),
      ['created', 'completed', 'updated', 'completed', 'updated'],
      'the no-op set recorded no event',
    );
  });
});

describe('history', () => {
  test('every change in order, each with the task as it was; still readable after delete', async () => {
    const u = await user('history');
    const c = (await u.api.post(u.tasks, { title: 'Audited' })).body;
    const url = `${u.tasks}/${c.id}`;
    await u.api.put(url, { title: 'Audited v2', priority: 'high' });
    await u.api.patch(`${url}/complete`);
    await u.api.patch(`${url}/complete`);
    await u.api.put(url, { description: 'last words' });
    await historyOf(u.api, u.tasks, c.id, 5);
    assert.equal((await u.api.del(url)).status, 204);
    const h = await historyOf(u.api, u.tasks, c.id, 6);
    assert.deepEqual(
      h.map((e: any) => e.event_type),
      ['created', 'updated', 'completed', 'updated', 'updated', 'deleted'],
    );
    assert.deepEqual(
      h.map((e: any) => e.data.version),
      [1, 2, 3, 4, 5, 5],
      'the deleted event carries the last state',
    );
    assert.equal(h[0].data.title, 'Audited');
    assert.equal(h[1].data.title, 'Audited v2');
    assert.equal(h[2].data.completed, true);
    assert.equal(h[5].data.description, 'last words');
    assert.equal(new Set(h.map((e: any) => e.event_id)).size, 6, 'unique event ids');
    for (const e of h) {
      assert.match(e.event_id, UUID);
      assert.match(e.timestamp, ISO);
      assert.equal(e.data.id, c.id);
    }
    const times = h.map((e: any) => Date.parse(e.timestamp));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
      'chronological',
    );
    // the deleted task itself is gone; its audit trail is not
    assert.equal((await u.api.get(url)).status, 404);
    assert.equal((await u.api.get(`${u.tasks}/987654/history`)).status, 404, 'a task that never existed has no history');
  });
});

describe('ETag / If-Match', () => {
  let u: Awaited<ReturnType<typeof user>>;
  before(async () => {
    u = await user('etag');
  });

  test('stale tag → 412 with the current ETag, nothing changed; current tag → success', async () => {
    const c = (await u.api.post(u.tasks, { title: 'Contended' })).body;
    const url = `${u.tasks}/${c.id}`;
    const ok = await u.api.put(url, { title: 'v2' }, { 'if-match': '"1"' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('etag'), '"2"');
    for (const [method, path, body] of [
      ['PUT', url, { title: 'lost update' }],
      ['PATCH', `${url}/complete`, undefined],
      ['DELETE', url, undefined],
    ] as const) {
      const stale = await u.api.call(method, path, body, { 'if-match': '"1"' });
      assert.equal(stale.status, 412, `${method} with a stale tag`);
      assert.match(stale.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(stale.headers.get('etag'), '"2"', 'tells the client the current tag');
    }
    const now = await u.api.get(url);
    assert.equal(now.body.title, 'v2');
    assert.equal(now.body.version, 2);
    assert.equal(now.body.completed, false);
    assert.equal((await u.api.put(url, { title: 'v3' }, { 'if-match': 'W/"2"' })).status, 200, 'weak form accepted');
    assert.equal((await u.api.patch(`${url}/complete`, undefined, { 'if-match': '"3"' })).status, 200);
    assert.equal((await u.api.put(url, { title: 'v5' }, { 'if-match': '*' })).status, 200, '* matches any version');
    assert.equal((await u.api.put(url, { title: 'garbage tag' }, { 'if-match': 'banana' })).status, 412);
    assert.equal((await u.api.del(url, { 'if-match': '"5"' })).status, 204);
  });

  test('two writers with the same tag: exactly one wins', async () => {
    const c = (await u.api.post(u.tasks, { title: 'Race' })).body;
    const url = `${u.tasks}/${c.id}`;
    const results = await Promise.all(
      ['alpha', 'beta', 'gamma'].map((title) => u.api.put(url, { title }, { 'if-match': `"${c.version}"` })),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 412, 412]);
    const winner = results.find((r) => r.status === 200)!;
    const now = (await u.api.get(url)).body;
    assert.equal(now.title, winner.body.title);
    assert.equal(now.version, 2);
  });
});

/* ---------------------------------------------------------------- filters & search */

describe('filters and keyword search', () => {
  let u: Awaited<ReturnType<typeof user>>;
  const ids: Record<string, number> = {};
  const day = (d: string) => `${d}T12:00:00Z`;

  before(async () => {
    u = await user('filters');
    const seed: [string, Record<string, unknown>][] = [
      [
        'milk',
        {
          title: 'Buy milk',
          description: 'from the corner store',
          priority: 'high',
          tags: ['shopping', 'errand'],
          due_date: day('2030-01-10'),
        },
      ],
      ['sale', { title: '50% off sale', priority: 'low', tags: ['Shopping'], due_date: day('2030-01-20') }],
      ['snake', { title: 'snake_case rename', description: "Bob's code", priority: 'urgent', tags: ['work'] }],
      [
        'report',
        {
          title: 'Write report',
          description: 'quarterly: 100 percent',
          priority: 'medium',
          tags: ['work', 'errand'],
          due_date: day('2020-01-01'),
        },
      ],
      ['rent', { title: 'Pay rent', due_date: day('2020-02-01'), completed: true, tags: ['home'] }],
      ['mom', { title: 'Call mom', description: 'ask about MILK', priority: 'high', due_date: day('2030-02-01') }],
      ['book', { title: 'Read O"Reilly book', description: 'chapter 3', priority: 'none', tags: ['reading'] }],
      ['path', { title: 'Clean C:\\temp', description: 'old files', priority: 'low', due_date: day('2030-01-31') }],
      ['plain', { title: 'snakecase percent', description: 'no wildcards here', priority: 'none' }],
    ];
    for (const [key, body] of seed) {
      const r = await u.api.post(u.tasks, body);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids[key] = r.body.id;
    }
  });

  async function expectKeys(query: string, keys: string[]) {
    const r = await u.api.get(`${u.tasks}?limit=200&${query}`);
    assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.body)}`);
    const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
    assert.deepEqual(r.body.map((t: { id: number }) => byId[t.id]).sort(), [...keys].sort(), query);
    assert.equal(r.headers.get('x-total-count'), String(keys.length), `${query}: X-Total-Count`);
  }

  const cases: [string, string, string[]][] = [
    ['no filter', '', ['milk', 'sale', 'snake', 'report', 'rent', 'mom', 'book', 'path', 'plain']],
    ['q in title or description, any case', 'q=milk', ['milk', 'mom']],
    ['q with spaces', `q=${encodeURIComponent('corner store')}`, ['milk']],
    ['q % is literal', `q=${encodeURIComponent('%')}`, ['sale']],
    ['q 50% is literal', `q=${encodeURIComponent('50%')}`, ['sale']],
    ['q _ is literal', `q=${encodeURIComponent('_')}`, ['snake']],
    ['q snake_case is literal', `q=${encodeURIComponent('snake_case')}`, ['snake']],
    ["q ' quote", `q=${encodeURIComponent("Bob's")}`, ['snake']],
    ['q " quote', `q=${encodeURIComponent('O"Reilly')}`, ['book']],
    ['q backslash', `q=${encodeURIComponent('C:\\temp')}`, ['path']],
    ['q no match', 'q=zebra', []],
    ['status=pending', 'status=pending', ['milk', 'sale', 'snake', 'report', 'mom', 'book', 'path', 'plain']],
    ['status=completed', 'status=completed', ['rent']],
    ['status=all', 'status=all', ['milk', 'sale', 'snake', 'report', 'rent', 'mom', 'book', 'path', 'plain']],
    ['priority single', 'priority=high', ['milk', 'mom']],
    ['priority comma list', 'priority=high,urgent', ['milk', 'mom', 'snake']],
    ['priority none', 'priority=none', ['rent', 'book', 'plain']],
    ['tag one', 'tag=work', ['snake', 'report']],
    ['tag any case', 'tag=SHOPPING', ['milk', 'sale']],
    ['tag repeated: all must match', 'tag=shopping&tag=errand', ['milk']],
    ['tag repeated: none has both', 'tag=work&tag=shopping', []],
    ['due_from', 'due_from=2030-01-15T00:00:00Z', ['sale', 'mom', 'path']],
    ['due_to (inclusive)', `due_to=${encodeURIComponent('2030-01-10T12:00:00Z')}`, ['milk', 'report', 'rent']],
    ['due range', `due_from=2030-01-01T00:00:00Z&due_to=${encodeURIComponent('2030-01-31T23:59:59+00:00')}`, ['milk', 'sale', 'path']],
    ['due range with offsets', `due_from=${encodeURIComponent('2030-01-10T13:00:00+01:00')}&due_to=2030-01-10T12:00:00Z`, ['milk']],
    ['overdue: pending and past due', 'overdue=true', ['report']],
    ['overdue=false does not filter', 'overdue=false', ['milk', 'sale', 'snake', 'report', 'rent', 'mom', 'book', 'path', 'plain']],
    ['combined', 'status=pending&tag=errand&q=report&priority=medium', ['report']],
    ['combined, empty', 'status=completed&priority=high', []],
  ];
  for (const [label, query, keys] of cases) {
    test(label, () => expectKeys(query, keys));
  }

  test('filters are per user', async () => {
    const other = await user('filters-other');
    await other.api.post(other.tasks, { title: 'Buy milk too', tags: ['shopping'] });
    await expectKeys('q=milk', ['milk', 'mom']);
    const theirs = await other.api.get(`${other.tasks}?q=milk`);
    assert.equal(theirs.body.length, 1);
    assert.equal(theirs.headers.get('x-total-count'), '1');
  });
});

/* ---------------------------------------------------------------- sorting & pagination */

describe('sorting and pagination', () => {
  let u: Awaited<ReturnType<typeof user>>;
  const N = 23;
  const words =
    'kilo alpha echo hotel bravo lima golf delta india foxtrot juliet charlie mike november oscar papa quebec romeo sierra tango uniform victor whiskey'.split(
      ' ',
    );
  const priorities = ['none', 'low', 'medium', 'high', 'urgent'];
  const rank = (p: string) => ['urgent', 'high', 'medium', 'low', 'none'].indexOf(p); // 0 first

  before(async () => {
    u = await user('sorter');
    for (let i = 0; i < N; i++) {
      // ties on purpose: several tasks share a due date or priority, a few have none
      const due = i % 6 === 5 ? null : `2030-03-${String(1 + ((i * 7) % 5)).padStart(2, '0')}T09:00:00Z`;
      const r = await u.api.post(u.tasks, { title: words[i], priority: priorities[(i * 3) % 5], due_date: due });
      assert.equal(r.status, 201);
    }
    // touch some tasks so updated_at order differs from created_at order
    const all = (await u.api.get(`${u.tasks}?limit=200&sort=created_at`)).body;
    for (const t of [all[7], all[2], all[19], all[0]]) await u.api.put(`${u.tasks}/${t.id}`, { description: 'touched' });
  });

  async function walk(query: string, limit: number) {
    const seen: any[] = [];
    let url: string | null = `${u.tasks}?${query}${query ? '&' : ''}limit=${limit}`;
    let pages = 0;
    let total: string | null = null;
    while (url) {
      const r: { status: number; headers: Headers; body: any } = await u.api.get(url);
      assert.equal(r.status, 200, `${url}: ${JSON.stringify(r.body)}`);
      assert.ok(r.body.length <= limit);
      total ??= r.headers.get('x-total-count');
      assert.equal(r.headers.get('x-total-count'), total, 'the total is the same on every page');
      seen.push(...r.body);
      const link = r.headers.get('link');
      if (link) {
        const m = /^<([^>]+)>;\s*rel="next"$/.exec(link);
        assert.ok(m, `Link header form: ${link}`);
        url = m[1]!;
        assert.ok(url.startsWith(`/api/${u.me.userId}/tasks?`), url);
        assert.equal(r.body.length, limit, 'only full pages have a next link');
      } else url = null;
      assert.ok(++pages <= N + 1, 'pagination terminates');
    }
    return { items: seen, total: Number(total), pages };
  }

  type Cmp = (a: any, b: any) => number;
  const time = (v: string | null) => (v === null ? null : Date.parse(v));
  const nullsLast =
    (f: (t: any) => number | null, desc: boolean): Cmp =>
    (a, b) => {
      const x = f(a);
      const y = f(b);
      if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
      return desc ? y - x : x - y;
    };
  const sorts: [string, Cmp][] = [
    ['due_date', nullsLast((t) => time(t.due_date), false)],
    ['-due_date', nullsLast((t) => time(t.due_date), true)],
    ['priority', (a, b) => rank(a.priority) - rank(b.priority)],
    ['-priority', (a, b) => rank(b.priority) - rank(a.priority)],
    ['title', (a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0)],
    ['-title', (a, b) => (a.title < b.title ? 1 : a.title > b.title ? -1 : 0)],
    ['created_at', (a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id],
    ['-created_at', (a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id],
    ['updated_at', (a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at)],
    ['-updated_at', (a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at)],
  ];

  for (const [sort, cmp] of sorts) {
    test(`sort=${sort}: ordered, and pages of 4 walk the same sequence without duplicates or gaps`, async () => {
      const full = await u.api.get(`${u.tasks}?sort=${sort}&limit=200`);
      assert.equal(full.status, 200);
      assert.equal(full.body.length, N);
      assert.equal(full.headers.get('link'), null, 'one page: no next link');
      for (let i = 1; i < full.body.length; i++) {
        assert.ok(
          cmp(full.body[i - 1], full.body[i]) <= 0,
          `${sort}: #${i - 1} ${JSON.stringify(full.body[i - 1])} before #${i} ${JSON.stringify(full.body[i])}`,
        );
      }
      const paged = await walk(`sort=${sort}`, 4);
      assert.equal(paged.total, N);
      assert.equal(paged.pages, Math.ceil(N / 4));
      const ids = paged.items.map((t) => t.id);
      assert.equal(new Set(ids).size, ids.length, `no duplicates: ${ids.join(',')}`);
      assert.deepEqual(
        ids,
        full.body.map((t: any) => t.id),
        'same order as a single page, nothing skipped',
      );
    });
  }

  test('sort=priority ranks urgent first (not alphabetical, not by storage order)', async () => {
    const r = await u.api.get(`${u.tasks}?sort=priority&limit=200`);
    const order = [...new Set(r.body.map((t: any) => t.priority))];
    assert.deepEqual(order, ['urgent', 'high', 'medium', 'low', 'none']);
    const rev = await u.api.get(`${u.tasks}?sort=-priority&limit=200`);
    assert.deepEqual([...new Set(rev.body.map((t: any) => t.priority))], ['none', 'low', 'medium', 'high', 'urgent']);
  });

  test('default sort is created_at ascending', async () => {
    const def = await u.api.get(`${u.tasks}?limit=200`);
    const explicit = await u.api.get(`${u.tasks}?sort=created_at&limit=200`);
    assert.deepEqual(
      def.body.map((t: any) => t.id),
      explicit.body.map((t: any) => t.id),
    );
  });

  test('page size 1 and a filtered walk', async () => {
    const one = await walk('sort=-due_date', 1);
    assert.equal(one.items.length, N);
    assert.equal(new Set(one.items.map((t) => t.id)).size, N);
    const filtered = await walk('priority=high,urgent&sort=title', 2);
    const expected = (await u.api.get(`${u.tasks}?priority=high,urgent&sort=title&limit=200`)).body;
    assert.ok(expected.length > 2);
    assert.equal(filtered.total, expected.length);
    assert.deepEqual(
      filtered.items.map((t) => t.id),
      expected.map((t: any) => t.id),
    );
  });

  test('limit larger than the result: one page, no Link; default limit is 50', async () => {
    const r = await u.api.get(`${u.tasks}?limit=${N}`);
    assert.equal(r.body.length, N);
    assert.equal(r.headers.get('link'), null);
    assert.equal(r.headers.get('x-total-count'), String(N));
    const d = await u.api.get(u.tasks);
    assert.equal(d.body.length, N);
  });

  test('a task added while paging does not duplicate or shift what was already seen', async () => {
    const first = await u.api.get(`${u.tasks}?sort=created_at&limit=5`);
    const next = /^<([^>]+)>/.exec(first.headers.get('link') ?? '')?.[1];
    assert.ok(next);
    const added = (await u.api.post(u.tasks, { title: 'late arrival' })).body;
    const rest = await walkFrom(next!);
    const ids = [...first.body, ...rest].map((t: any) => t.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(ids.at(-1), added.id, 'the new task appears at the end of a created_at walk');
    assert.equal(ids.length, N + 1);
    assert.equal((await u.api.del(`${u.tasks}/${added.id}`)).status, 204);
  });

  async function walkFrom(url: string) {
    const out: any[] = [];
    let next: string | undefined = url;
    while (next) {
      const r: { headers: Headers; body: any } = await u.api.get(next);
      out.push(...r.body);
      next = /^<([^>]+)>/.exec(r.headers.get('link') ?? '')?.[1];
    }
    return out;
  }
});
