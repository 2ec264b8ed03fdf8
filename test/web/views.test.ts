/**
 * The web app's view rules without a browser: hash routes, calendar days in the user's zone (not the
 * machine's), Today's split and Upcoming's weeks by week start. Pure functions of web/src/views.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addDays,
  dayKey,
  groupUpcoming,
  matchesView,
  type ViewTask,
  parseOverlay,
  parseView,
  resolveProjectId,
  splitToday,
  startOfDayIn,
  weekOf,
} from '../../web/src/views.js';

const task = (id: number, due: string | null, extra: Partial<ViewTask> = {}): ViewTask => ({
  id,
  due_date: due,
  completed: false,
  project_id: 1,
  position: `a${id}`,
  ...extra,
});

test('hash routes: each view is a deep link, task overlays keep the view behind them', () => {
  assert.deepEqual(parseView('#/'), { kind: 'all' });
  assert.deepEqual(parseView(''), { kind: 'all' });
  assert.deepEqual(parseView('#/inbox'), { kind: 'project', id: 'inbox' });
  assert.deepEqual(parseView('#/today'), { kind: 'today' });
  assert.deepEqual(parseView('#/upcoming'), { kind: 'upcoming', days: 7 });
  assert.deepEqual(parseView('#/upcoming/14'), { kind: 'upcoming', days: 14 });
  assert.deepEqual(parseView('#/projects/42'), { kind: 'project', id: '42' });
  assert.deepEqual(parseView('#/settings'), { kind: 'settings' });
  assert.deepEqual(parseOverlay('#/tasks/7'), { kind: 'edit', id: 7 });
  assert.deepEqual(parseOverlay('#/tasks/7/history'), { kind: 'history', id: 7 });
  assert.equal(parseOverlay('#/today'), null);
  const projects = [
    { id: 5, inbox: false },
    { id: 9, inbox: true },
  ];
  assert.equal(resolveProjectId({ kind: 'project', id: 'inbox' }, projects), '9');
  assert.equal(resolveProjectId({ kind: 'project', id: 'inbox' }, []), null, 'unknown until the projects are loaded');
});

test('calendar days are the user zone’s, across DST and the date line', () => {
  const at = new Date('2026-03-29T00:30:00Z'); // Berlin springs forward at 01:00 UTC that day
  assert.equal(dayKey(at, 'Europe/Berlin'), '2026-03-29');
  assert.equal(dayKey(at, 'America/New_York'), '2026-03-28');
  assert.equal(dayKey(at, 'Pacific/Kiritimati'), '2026-03-29');
  assert.equal(startOfDayIn('2026-03-29', 'Europe/Berlin').toISOString(), '2026-03-28T23:00:00.000Z');
  assert.equal(startOfDayIn('2026-03-30', 'Europe/Berlin').toISOString(), '2026-03-29T22:00:00.000Z');
  assert.equal(startOfDayIn('2026-11-01', 'America/New_York').toISOString(), '2026-11-01T04:00:00.000Z');
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(weekOf('2026-12-04', 'monday'), '2026-11-30'); // a Friday
  assert.equal(weekOf('2026-12-04', 'sunday'), '2026-11-29');
  assert.equal(weekOf('2026-12-06', 'sunday'), '2026-12-06');
});

test('Today: overdue (before today began, in the zone) apart from today; live events follow the server’s rule', () => {
  const now = new Date('2026-12-04T10:00:00Z'); // 11:00 in Berlin, 05:00 in New York
  const tasks = [task(1, '2026-12-03T22:30:00Z'), task(2, '2026-12-04T08:00:00Z'), task(3, '2026-12-03T23:30:00Z')];
  const berlin = splitToday(tasks, 'Europe/Berlin', now);
  assert.deepEqual(
    berlin.overdue.map((t) => t.id),
    [1],
  );
  assert.deepEqual(
    berlin.today.map((t) => t.id),
    [2, 3],
  );
  const ny = splitToday(tasks, 'America/New_York', now);
  // in New York it is 05:00 on 4 Dec: 22:30Z and 23:30Z were the evening of 3 Dec, 08:00Z is 03:00 today
  assert.deepEqual(
    ny.overdue.map((t) => t.id),
    [1, 3],
  );
  assert.deepEqual(
    ny.today.map((t) => t.id),
    [2],
  );
  const ctx = { zone: 'Europe/Berlin', projectId: null, now };
  assert.ok(matchesView(task(4, '2026-12-04T22:59:00Z'), { kind: 'today' }, ctx), 'due 23:59 Berlin: today');
  assert.ok(!matchesView(task(5, '2026-12-04T23:00:00Z'), { kind: 'today' }, ctx), 'due at midnight Berlin: tomorrow');
  assert.ok(!matchesView(task(6, '2026-12-01T10:00:00Z', { completed: true }), { kind: 'today' }, ctx), 'completed');
  assert.ok(matchesView(task(7, null, { project_id: 3 }), { kind: 'project', id: '3' }, { ...ctx, projectId: '3' }));
  assert.ok(!matchesView(task(8, null, { project_id: 4 }), { kind: 'project', id: '3' }, { ...ctx, projectId: '3' }));
});

test('Upcoming: every day of the range, grouped in weeks that start on the week start', () => {
  const now = new Date('2026-12-04T10:00:00Z'); // Friday
  const tasks = [
    task(1, '2026-12-05T09:00:00Z'),
    task(2, '2026-12-06T09:00:00Z'),
    task(3, '2026-12-07T09:00:00Z'),
    task(4, '2026-12-07T12:00:00Z'),
  ];
  const monday = groupUpcoming(tasks, 7, 'Europe/Berlin', 'monday', now);
  assert.deepEqual(
    monday.map((w) => w.key),
    ['2026-11-30', '2026-12-07'],
  );
  assert.deepEqual(
    monday.flatMap((w) => w.days.map((d) => d.key)),
    ['2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10'],
    'seven days, today the first',
  );
  assert.deepEqual(
    monday[1]?.days[0]?.tasks.map((t) => t.id),
    [3, 4],
  );
  const sunday = groupUpcoming(tasks, 7, 'Europe/Berlin', 'sunday', now);
  assert.deepEqual(
    sunday.map((w) => w.key),
    ['2026-11-29', '2026-12-06'],
  );
  assert.deepEqual(
    sunday[1]?.days[0]?.tasks.map((t) => t.id),
    [2],
    'Sunday opens the second week',
  );
});
