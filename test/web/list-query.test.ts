/**
 * The All-tasks list's query in its hash route (web/src/list-query.ts), without a browser: only what
 * differs from the defaults is written, every field comes back as written, and a hand-edited link's
 * bad values are dropped rather than guessed at.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_QUERY, hashOf, isListRoute, queryOf, type ListQuery } from '../../web/src/list-query.js';

test('the defaults are a plain "#/", and a plain "#/" carries no query', () => {
  assert.equal(hashOf(DEFAULT_QUERY), '#/');
  assert.equal(queryOf('#/'), null);
  assert.equal(queryOf(''), null);
});

test('every field survives the round trip through the URL', () => {
  const q: ListQuery = {
    q: 'rent & “bills”',
    status: 'all',
    priority: ['urgent', 'high'],
    tags: ['home', 'קניות'],
    dueFrom: '2026-12-01',
    dueTo: '2026-12-31',
    overdue: true,
    assignee: 'me',
    sort: '-updated_at',
  };
  const hash = hashOf(q);
  assert.match(hash, /^#\/\?/);
  assert.deepEqual(queryOf(hash), q);
  assert.equal(hashOf({ ...DEFAULT_QUERY, sort: 'priority', tags: ['work'] }), '#/?tag=work&sort=priority');
});

test('a hand-edited link: unknown values are dropped, not guessed', () => {
  assert.deepEqual(queryOf('#/?status=maybe&sort=shoe_size&priority=high,extreme,high&from=tomorrow&to=2026-13&assignee=you&overdue=yes'), {
    ...DEFAULT_QUERY,
    priority: ['high'],
  });
});

test('only the All-tasks route is a list route', () => {
  for (const r of ['', '#/', '#/?q=x']) assert.equal(isListRoute(r), true, r);
  for (const r of ['#/inbox', '#/today', '#/tasks/3', '#/settings', '#/signin', '#/projects/7?x=1']) assert.equal(isListRoute(r), false, r);
});
