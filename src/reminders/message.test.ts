import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dueClock, reminderText } from './message.js';

const due = new Date('2026-03-01T10:00:00Z');
const before = (min: number, extraMs = 0) => new Date(due.getTime() - min * 60_000 + extraMs);

test('reminder text follows the seed and says the due time', () => {
  assert.deepEqual(reminderText('Buy Milk', due, before(15)), {
    title: 'Task Due Soon',
    body: "Your task 'Buy Milk' is due in 15 minutes (at 10:00).",
  });
  assert.equal(
    reminderText('X', due, before(15, 900)).body,
    "Your task 'X' is due in 15 minutes (at 10:00).",
    'rounds the sub-second firing delay',
  );
  assert.equal(reminderText('X', due, before(1)).body, "Your task 'X' is due in 1 minute (at 10:00).");
  assert.equal(reminderText('X', due, before(90)).body, "Your task 'X' is due in 1 hour 30 minutes (at 10:00).");
  assert.equal(reminderText('X', due, before(60 * 24)).body, "Your task 'X' is due in 24 hours (at 10:00 on Sun 1 Mar).");
  assert.equal(reminderText('X', due, before(60 * 24 * 3)).body, "Your task 'X' is due in 3 days (at 10:00 on Sun 1 Mar).");
  assert.deepEqual(reminderText('X', due, before(0)), { title: 'Task Due Now', body: "Your task 'X' is due now (at 10:00)." });
  assert.deepEqual(reminderText('X', due, before(-5)), { title: 'Task Overdue', body: "Your task 'X' was due 5 minutes ago (at 10:00)." });
});

test("the due time is on the task's clock", () => {
  assert.equal(reminderText('Buy Milk', due, before(15), 'Europe/Berlin').body, "Your task 'Buy Milk' is due in 15 minutes (at 11:00).");
  assert.equal(reminderText('X', due, before(30), 'America/New_York').body, "Your task 'X' is due in 30 minutes (at 05:00).");
  // 23:30 UTC is 08:30 the next day in Tokyo, and so is the reminder 30 minutes earlier: same local day
  assert.equal(dueClock(new Date('2026-03-01T23:30:00Z'), new Date('2026-03-01T23:00:00Z'), 'Asia/Tokyo'), 'at 08:30');
  // 14:30 UTC: same UTC day, but the next day in Tokyo
  assert.equal(dueClock(new Date('2026-03-01T15:30:00Z'), new Date('2026-03-01T14:30:00Z'), 'Asia/Tokyo'), 'at 00:30 on Mon 2 Mar');
  assert.equal(dueClock(due, new Date('2025-12-27T10:00:00Z'), 'America/New_York'), 'at 05:00 on 1 Mar 2026');
});

test('no doubled wording: the body never repeats the title', () => {
  const cases = [reminderText('X', null, due), reminderText('X', due, before(15)), reminderText('X', due, before(-5))];
  assert.deepEqual(cases[0], { title: 'Task Reminder', body: "Time for your task 'X'." });
  for (const { title, body } of cases) {
    assert.doesNotMatch(body, /^reminder\b/i, body);
    assert.ok(!body.toLowerCase().includes(title.toLowerCase()), `${title} — ${body}`);
  }
});
