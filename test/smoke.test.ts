import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { client, eventually, signUp, startApp, type TestApp } from './support/app.js';

let app: TestApp;
before(async () => {
  app = await startApp();
});
after(async () => app.close());

test('a completed daily task gets exactly one next occurrence, rolled past now', async () => {
  const me = await signUp(app.url);
  const api = client(app.url, me.token);
  const created = await api.post(`/api/${me.userId}/tasks`, {
    title: 'Water plants',
    due_date: '2020-01-06T09:00:00+01:00',
    timezone: 'Europe/Berlin',
    recurrence: 'daily',
  });
  assert.equal(created.status, 201);
  const done = await api.patch(`/api/${me.userId}/tasks/${created.body.id}/complete`);
  assert.equal(done.status, 200);
  assert.equal(done.body.completed, true);
  const list = await eventually(async () => {
    const r = await api.get(`/api/${me.userId}/tasks?status=pending`);
    return r.body.length ? r : undefined;
  });
  assert.equal(list.body.length, 1);
  const next = list.body[0];
  assert.equal(next.series_id, created.body.series_id);
  assert.ok(new Date(next.due_date) > new Date(), 'next due date is in the future');
  assert.equal(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(new Date(next.due_date)),
    '09:00',
  );
});
