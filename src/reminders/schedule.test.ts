import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pastReminders, pendingReminders } from './schedule.js';

const now = new Date('2026-03-01T10:00:00Z');
const iso = (minFromNow: number) => new Date(now.getTime() + minFromNow * 60_000).toISOString();
const due = (minFromNow: number) => new Date(iso(minFromNow));

test('a reminder set for a time already past is refused, a future one is not', () => {
  assert.deepEqual(pastReminders({ reminders: [{ at: iso(5) }, { at: iso(-1) }, { at: iso(0) }], due_date: null }, null, now), [1, 2]);
  assert.deepEqual(
    pastReminders({ reminders: [{ before_minutes: 15 }, { before_minutes: 5 }], due_date: due(10) }, null, now),
    [0],
    '15 minutes before a task due in 10 is past',
  );
  assert.deepEqual(pastReminders({ reminders: [{ before_minutes: 15 }], due_date: null }, null, now), [], 'no instant: another check');
});

test('a reminder the task already had is not refused on update', () => {
  const had = { reminders: [{ at: iso(-30) }, { before_minutes: 60 }], due_date: due(30) };
  assert.deepEqual(pastReminders(had, had, now), [], 'unchanged, due date did not move');
  assert.deepEqual(pastReminders({ ...had, reminders: [{ before_minutes: 60 }, { at: iso(-30) }] }, had, now), [], 'reordered');
  // the relative one is also the instant 30 minutes ago: already had, whatever its form
  assert.deepEqual(pastReminders({ reminders: [{ at: iso(-30) }], due_date: due(90) }, had, now), []);
  // moving the due date moves the relative reminder to a new instant, which is past
  assert.deepEqual(pastReminders({ ...had, due_date: due(45) }, had, now), [1]);
  assert.deepEqual(pastReminders({ ...had, reminders: [...had.reminders, { at: iso(-1) }] }, had, now), [2], 'an added past one');
});

test('pending reminders: only future instants of an open task', () => {
  const task = { id: 1, user_id: 'u', completed: false, reminders: [{ at: iso(-1) }, { at: iso(1) }], due_date: null };
  assert.deepEqual(
    pendingReminders(task, now).map((r) => r.remind_at.toISOString()),
    [iso(1)],
  );
  assert.deepEqual(pendingReminders({ ...task, completed: true }, now), []);
});
