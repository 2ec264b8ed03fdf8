/**
 * The list's total is counted only up to a cap (src/tasks/list-query.ts TOTAL_CAP), so a long
 * list's first page costs what a page costs: beyond the cap the reply says "at least", never a
 * wrong exact number; below it, X-Total-Count is exact as always.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { client, signUp, type TestApp } from './support/app.js';
import { startTestApp } from './support/util.js';
import { TOTAL_CAP, TRIGRAM_SEARCH_FROM } from '../src/tasks/list-query.js';

let app: TestApp;
let api: ReturnType<typeof client>;
let tasks: string;

before(async () => {
  app = await startTestApp();
  const me = await signUp(app.url, 'long-list');
  api = client(app.url, me.token);
  tasks = `/api/${me.userId}/tasks`;
  // TOTAL_CAP + 5 tasks straight into the table (the API path is covered elsewhere); 5 of them
  // urgent. Timestamps in milliseconds, as the service writes them (the list cursor carries ms).
  await sql`
    INSERT INTO tasks (user_id, title, priority, timezone, created_at, updated_at, project_id, position)
    SELECT ${me.userId}, 'task ' || g, CASE WHEN g <= 5 THEN 4 ELSE 0 END, 'UTC', t, t, p.id, 'a' || g
    FROM generate_series(1, ${TOTAL_CAP + 5}) g, date_trunc('milliseconds', now()) t,
         projects p WHERE p.owner_id = ${me.userId} AND p.inbox`.execute(app.running.services.db);
});

after(() => app?.close());

test('more tasks than the cap: X-Total-Count-At-Least instead of a count, and the pages still walk everything', async () => {
  const r = await api.get(`${tasks}?limit=50`);
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 50);
  assert.equal(r.headers.get('x-total-count'), null);
  assert.equal(r.headers.get('x-total-count-at-least'), String(TOTAL_CAP + 1));
  let seen = 0;
  for (let url: string | null = `${tasks}?limit=100`; url;) {
    const page: { body: unknown[]; headers: Headers } = await api.get(url);
    seen += page.body.length;
    url = /<([^>]+)>;\s*rel="next"/.exec(page.headers.get('link') ?? '')?.[1]?.replace(app.url, '') ?? null;
  }
  assert.equal(seen, TOTAL_CAP + 5);
});

test('a filter that matches fewer than the cap gets the exact X-Total-Count', async () => {
  const r = await api.get(`${tasks}?priority=urgent`);
  assert.equal(r.headers.get('x-total-count'), '5');
  assert.equal(r.headers.get('x-total-count-at-least'), null);
});

test('the total is the same on a page that holds every match, a first page of several and a later page', async () => {
  const next = (r: { headers: Headers }) => /<([^>]+)>;\s*rel="next"/.exec(r.headers.get('link') ?? '')?.[1]?.replace(app.url, '');
  const first = await api.get(`${tasks}?priority=urgent&limit=2`);
  assert.equal(first.body.length, 2);
  assert.equal(first.headers.get('x-total-count'), '5');
  const second = await api.get(next(first)!);
  const third = await api.get(next(second)!);
  assert.equal(third.body.length, 1);
  assert.equal(next(third), undefined);
  assert.equal(third.headers.get('x-total-count'), '5');
  const empty = await api.get(`${tasks}?q=${encodeURIComponent('no task says this')}`);
  assert.deepEqual([empty.body.length, empty.headers.get('x-total-count')], [0, '0']);
});

test('keyword search finds the same tasks in a small account (row filter) and a large one (trigram index)', async () => {
  const small = await signUp(app.url, 'search-small');
  const large = await signUp(app.url, 'search-large');
  for (const [me, n] of [
    [small, 20],
    [large, TRIGRAM_SEARCH_FROM + 10],
  ] as const) {
    // every 7th task mentions the word, in the title or (every 14th) only in the description
    await sql`
      INSERT INTO tasks (user_id, title, description, timezone, created_at, updated_at, project_id, position)
      SELECT ${me.userId}, CASE WHEN g % 14 = 7 THEN 'Quarterly Zebra-Report ' || g ELSE 'task ' || g END,
             CASE WHEN g % 14 = 0 THEN 'see the zebra-report' ELSE '' END, 'UTC', t, t, p.id, 'a' || g
      FROM generate_series(1, ${n}) g, date_trunc('milliseconds', now()) t,
           projects p WHERE p.owner_id = ${me.userId} AND p.inbox`.execute(app.running.services.db);
    const found = await client(app.url, me.token).get(`/api/${me.userId}/tasks?q=ZEBRA-rep&limit=100`);
    assert.equal(found.status, 200);
    assert.equal(found.headers.get('x-total-count'), String(Math.floor(n / 7)), `${n} tasks`);
    assert.ok(found.body.every((t: { title: string; description: string }) => /zebra-rep/i.test(`${t.title} ${t.description}`)));
  }
});

test('a cursor past every match (the rest deleted meanwhile): an empty page that still says the total', async () => {
  const me = await signUp(app.url, 'past-the-end');
  const mine = client(app.url, me.token);
  const url = `/api/${me.userId}/tasks`;
  for (const title of ['one', 'two', 'three']) assert.equal((await mine.post(url, { title })).status, 201);
  const first = await mine.get(`${url}?limit=2&sort=title`);
  assert.deepEqual(
    first.body.map((t: { title: string }) => t.title),
    ['one', 'three'],
  );
  assert.equal((await mine.del(`${url}/${(await mine.get(`${url}?q=two`)).body[0].id}`)).status, 204);
  const link = /<([^>]+)>;\s*rel="next"/.exec(first.headers.get('link') ?? '')?.[1]?.replace(app.url, '');
  const rest = await mine.get(link!);
  assert.deepEqual([rest.status, rest.body, rest.headers.get('x-total-count')], [200, [], '2']);
});
