/**
 * A restart with pending outbox rows and missed reminders (no lost events; one reminder, once, late if need be): events committed while
 * the consumers could not take them, and reminders whose time passed while the service was down,
 * are each processed exactly once by the next start, on the same DATA_DIR — the missed reminders
 * marked late, except those of tasks completed meanwhile.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { client, eventually, signUp, type Session, type TestApp } from './support/app.js';
import { drained, sleep, startTestApp } from './support/util.js';
import { openDatabase } from '../src/db/connect.js';
import { openEmbeddedDatabase } from '../src/db/embedded-postgres.js';
import { TransientError } from '../src/events/bus.js';
import { ReminderClock } from '../src/reminders/clock.js';
import type { ReminderScanner } from '../src/reminders/scanner.js';
import { createLogger } from '../src/logger.js';

const DOWNTIME_MS = 10 * 60_000;

describe('restart with pending outbox rows and missed reminders', () => {
  let first: Awaited<ReturnType<typeof startTestApp>>;
  let second: TestApp | undefined;
  let me: Session;
  /** what was left behind when the first process stopped */
  const left = {
    pendingEventIds: [] as string[],
    recurring: undefined as any,
    edited: undefined as any,
    deleted: undefined as any,
    completedWithReminder: undefined as any,
    missedShort: undefined as any,
    missedLong: undefined as any,
    longRemindAt: '',
  };
  let restartedAt = 0;
  let ready = 0;

  before(async () => {
    first = await startTestApp();
    me = await signUp(first.url, 'restart');
    const api = client(first.url, me.token);
    const tasks = `/api/${me.userId}/tasks`;

    // published normally
    left.recurring = (
      await api.post(tasks, { title: 'Daily', due_date: '2031-01-01T09:00:00Z', timezone: 'UTC', recurrence: 'daily' })
    ).body;
    left.deleted = (await api.post(tasks, { title: 'To delete' })).body;
    left.missedLong = (
      await api.post(tasks, {
        title: 'Long gone',
        due_date: new Date(Date.now() + 2 * 3_600_000).toISOString(),
        reminders: [{ at: new Date(Date.now() + 3_600_000).toISOString() }],
      })
    ).body;
    await drained(first);

    // from now on the consumers refuse everything: the relay keeps the rows (and the flush at stop fails)
    first.running.services.bus.emit = async () => {
      throw new TransientError('consumers unavailable');
    };
    // and the process is going down: its reminder clock has stopped (so "soon" passes while down)
    await first.running.services.clock!.stop();
    const soon = new Date(Date.now() + 1500).toISOString();
    assert.equal((await api.patch(`${tasks}/${left.recurring.id}/complete`)).status, 200);
    left.edited = (await api.post(tasks, { title: 'Created while stuck' })).body;
    assert.equal((await api.put(`${tasks}/${left.edited.id}`, { title: 'Edited while stuck' })).status, 200);
    assert.equal((await api.del(`${tasks}/${left.deleted.id}`)).status, 204);
    left.completedWithReminder = (await api.post(tasks, { title: 'Done before its reminder', reminders: [{ at: soon }] })).body;
    assert.equal((await api.patch(`${tasks}/${left.completedWithReminder.id}/complete`)).status, 200);
    left.missedShort = (await api.post(tasks, { title: 'Short outage', reminders: [{ at: soon }] })).body;

    const pending = await sql<{
      id: string;
    }>`SELECT payload->>'event_id' AS id FROM outbox WHERE published_at IS NULL AND topic = 'task-events' ORDER BY seq`.execute(
      first.running.services.db,
    );
    left.pendingEventIds = pending.rows.map((r) => r.id);
    assert.equal(left.pendingEventIds.length, 7, 'completed, created, updated, deleted, created, completed, created');

    await first.close({ keepData: true });

    // while down: the short-outage reminder's time passes for real; for the long outage, move
    // its reminder (row and task) as far into the past as a 10-minute outage would have
    await sleep(Math.max(0, Date.parse(soon) - Date.now() + 100));
    const database = first.env.DATABASE_URL
      ? await openDatabase({ url: first.env.DATABASE_URL })
      : await openEmbeddedDatabase(first.dataDir);
    try {
      const long = new Date(Date.now() - DOWNTIME_MS);
      left.longRemindAt = long.toISOString();
      await database.db.updateTable('reminders').set({ remind_at: long }).where('task_id', '=', left.missedLong.id).execute();
      await database.db
        .updateTable('tasks')
        .set({ reminders: JSON.stringify([{ at: left.longRemindAt }]) })
        .where('id', '=', left.missedLong.id)
        .execute();
      const unpublished = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`.execute(database.db);
      assert.equal(unpublished.rows[0]?.n, 7, 'the rows survived the shutdown');
    } finally {
      await database.close();
    }

    restartedAt = Date.now();
    second = await startTestApp(first.env, { dataDir: first.dataDir });
    ready = Date.now();
  });
  after(async () => {
    await second?.close();
  });

  const api = () => client(second!.url, me.token);
  const tasks = () => `/api/${me.userId}/tasks`;
  const db = () => second!.running.services.db;

  test('every pending event is processed exactly once, right after the start', async () => {
    await drained(second!, 20_000);
    const took = Date.now() - ready;
    // a graceful stop hands the relay lease back: the successor does not wait for it to expire
    assert.ok(took < 5000, `the outbox drained ${took} ms after the restarted app was ready`);
    for (const id of left.pendingEventIds) {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM task_history WHERE event_id = ${id}`.execute(db());
      assert.equal(r.rows[0]?.n, 1, `history row for event ${id}`);
    }
    const edited = (await api().get(`${tasks()}/${left.edited.id}/history`)).body;
    assert.deepEqual(
      edited.map((h: any) => [h.event_type, h.data.title]),
      [
        ['created', 'Created while stuck'],
        ['updated', 'Edited while stuck'],
      ],
    );
    const deleted = (await api().get(`${tasks()}/${left.deleted.id}/history`)).body;
    assert.deepEqual(
      deleted.map((h: any) => h.event_type),
      ['created', 'deleted'],
    );
  });

  test('the completion left in the outbox spawns exactly one next occurrence', async () => {
    await drained(second!, 20_000);
    const series = (await api().get(`${tasks()}?limit=200`)).body.filter((t: any) => t.series_id === left.recurring.series_id);
    assert.equal(series.length, 2);
    const next = series.find((t: any) => t.id !== left.recurring.id);
    assert.equal(next.due_date, '2031-01-02T09:00:00.000Z');
    assert.equal(next.completed, false);
  });

  test('reminders missed while down fire once at start; late when the outage was long', async () => {
    const inbox = await eventually(
      async () => {
        const r = (await api().get(`/api/${me.userId}/notifications?limit=200`)).body;
        return r.length >= 2 ? r : undefined;
      },
      { timeoutMs: 10_000 },
    );
    const long = inbox.filter((n: any) => n.task_id === left.missedLong.id);
    const short = inbox.filter((n: any) => n.task_id === left.missedShort.id);
    assert.equal(long.length, 1);
    assert.equal(short.length, 1);
    assert.equal(long[0].late, true, 'fired 10 minutes after its time: late');
    assert.equal(long[0].remind_at, left.longRemindAt);
    assert.equal(long[0].title, 'Task Due Soon');
    const shortDelay = Date.parse(short[0].created_at) - Date.parse(short[0].remind_at);
    assert.equal(short[0].late, shortDelay > 60_000, `late only when more than a minute late (${shortDelay} ms)`);
    for (const n of [...long, ...short]) {
      assert.ok(Date.parse(n.created_at) >= restartedAt, 'fired by the restarted process');
      assert.ok(Date.parse(n.created_at) - ready < 10_000, 'at start, not at the first 30 s safety scan');
    }
    assert.equal(inbox.filter((n: any) => n.task_id === left.completedWithReminder.id).length, 0, 'completed meanwhile: never');
  });

  test('nothing fires twice afterwards', async () => {
    assert.equal(await second!.running.services.scanner.scan(), 0);
    await drained(second!);
    const inbox = (await api().get(`/api/${me.userId}/notifications?limit=200`)).body;
    assert.equal(inbox.length, 2);
    const outbox = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`.execute(db());
    assert.equal(outbox.rows[0]?.n, 0);
  });
});

test('the reminder clock leaves no timer armed after stop, even with an arm in flight', async () => {
  const armed = new Set<unknown>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  // record the long timers the clock arms (its safety interval is not a setTimeout)
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    const t = realSet(fn, ms);
    if ((ms ?? 0) >= 60_000) armed.add(t);
    return t;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((t: Parameters<typeof clearTimeout>[0]) => {
    armed.delete(t);
    realClear(t);
  }) as typeof clearTimeout;
  try {
    const scanner = {
      scan: async () => 0,
      // the database answers slowly: stop() is called while arm() awaits this
      nextDue: () => new Promise<Date>((r) => realSet(() => r(new Date(Date.now() + 3_600_000)), 50)),
    } as unknown as ReminderScanner;
    const clock = new ReminderClock(scanner, () => undefined, createLogger('silent'), 600_000);
    clock.start();
    clock.rearm();
    await new Promise((r) => realSet(r, 10));
    await clock.stop();
    await new Promise((r) => realSet(r, 100));
    assert.equal(armed.size, 0, 'a stopped clock keeps no timer (it would keep the process alive)');
  } finally {
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  }
});
