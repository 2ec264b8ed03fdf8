import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reminderText } from './message.js';

const due = new Date('2026-03-01T10:00:00Z');
const before = (min: number, extraMs = 0) => new Date(due.getTime() - min * 60_000 + extraMs);

test('reminder text follows the seed', () => {
  assert.deepEqual(reminderText('Buy Milk', due, before(15)), {
    title: 'Task Due Soon',
    body: "Your task 'Buy Milk' is due in 15 minutes.",
  });
  assert.equal(reminderText('X', due, before(15, 900)).body, "Your task 'X' is due in 15 minutes.", 'rounds the sub-second firing delay');
  assert.equal(reminderText('X', due, before(1)).body, "Your task 'X' is due in 1 minute.");
  assert.equal(reminderText('X', due, before(90)).body, "Your task 'X' is due in 1 hour 30 minutes.");
  assert.equal(reminderText('X', due, before(60 * 24)).body, "Your task 'X' is due in 24 hours.");
  assert.equal(reminderText('X', due, before(60 * 24 * 3)).body, "Your task 'X' is due in 3 days.");
  assert.equal(reminderText('X', due, before(0)).title, 'Task Due Now');
  assert.deepEqual(reminderText('X', due, before(-5)), { title: 'Task Overdue', body: "Your task 'X' was due 5 minutes ago." });
  assert.equal(reminderText('X', null, due).title, 'Task Reminder');
});
