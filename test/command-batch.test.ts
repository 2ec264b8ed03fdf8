/**
 * Group commit of write commands (CommandBatcher in src/db/group-commit.ts, used by
 * TaskService.update / setCompleted / remove): commands that arrive together share a
 * transaction, each in its own savepoint, so one that fails (404, 412, 422, a constraint) undoes
 * only its own writes and the others commit with exactly their one event each.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { signUp, type Session, type TestApp } from './support/app.js';
import { startTestApp } from './support/util.js';
import { CommandBatcher, type Command } from '../src/db/group-commit.js';
import type { Tx } from '../src/db/types.js';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../src/errors.js';
import type { Task } from '../src/tasks/model.js';

let app: TestApp;
let me: Session;
before(async () => {
  app = await startTestApp();
  me = await signUp(app.url, 'commands');
});
after(async () => app?.close());

const db = () => app.running.services.db;
const tasks = () => app.running.services.tasks;

async function eventsOf(ids: number[]) {
  const r = await sql<{ key: string; type: string; title: string }>`
    SELECT key, payload->>'event_type' AS type, payload->'data'->>'title' AS title FROM outbox
    WHERE topic = 'task-events' AND key = ANY(${ids.map(String)}) ORDER BY seq`.execute(db());
  return r.rows;
}

test('commands that arrive together share one transaction; a failing one rolls back only its own writes', async () => {
  await sql`CREATE TABLE IF NOT EXISTS batch_probe (n int PRIMARY KEY)`.execute(db());
  const batcher = new CommandBatcher(db(), () => {});
  // each command writes a row, then reports its top-level transaction id (savepoints share it)
  const write = (n: number) =>
    batcher.run(async (tx) => {
      await sql`INSERT INTO batch_probe VALUES (${n})`.execute(tx);
      if (n % 5 === 3) throw new Error(`command ${n} refused after writing`);
      return (await sql<{ xid: string }>`SELECT txid_current()::text AS xid`.execute(tx)).rows[0]!.xid;
    });
  const results = await Promise.allSettled(Array.from({ length: 10 }, (_, n) => write(n)));
  results.forEach((r, n) => assert.equal(r.status, n % 5 === 3 ? 'rejected' : 'fulfilled', `command ${n}`));
  assert.match(String((results[3] as PromiseRejectedResult).reason), /command 3 refused/);
  // the first runs alone; the nine that queued behind it share the next transaction
  const xids = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  assert.equal(new Set(xids).size, 2);
  const rows = await sql<{ n: number }>`SELECT n FROM batch_probe ORDER BY n`.execute(db());
  assert.deepEqual(
    rows.rows.map((r) => r.n),
    [0, 1, 2, 4, 5, 6, 7, 9],
  );
});

test('update, complete and delete at once: each failure is its own (404, 412, 422), the rest commit with one event each', async () => {
  const made: Task[] = [];
  for (let i = 0; i < 8; i++) made.push(await tasks().create(me.userId, { title: `cmd ${i}` }));
  const [a, b, c, d, e, f, g, h] = made as [Task, Task, Task, Task, Task, Task, Task, Task];
  const past = new Date(Date.now() - 3_600_000).toISOString();
  const results = await Promise.allSettled([
    tasks().update(me.userId, a.id, { title: 'cmd 0 renamed' }),
    tasks().setCompleted(me.userId, b.id, true),
    tasks().remove(me.userId, c.id),
    tasks().update(me.userId, d.id, { title: 'stale' }, d.version + 1), // 412
    tasks().setCompleted(me.userId, 987_654_321, true), // 404
    tasks().update(me.userId, e.id, { due_date: past, reminders: [{ at: past }] }), // 422
    tasks().remove('someone-else', f.id), // 404: not theirs
    tasks().setCompleted(me.userId, g.id, undefined), // toggles to completed
    tasks().update(me.userId, h.id, { priority: 'high' }, h.version),
  ]);
  const reason = (i: number) => (results[i] as PromiseRejectedResult).reason as unknown;
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected', 'rejected', 'fulfilled', 'fulfilled'],
  );
  assert.ok(reason(3) instanceof PreconditionFailedError);
  assert.ok(reason(4) instanceof NotFoundError);
  assert.ok(reason(5) instanceof ValidationError);
  assert.ok(reason(6) instanceof NotFoundError);

  const after = new Map(
    (await sql<Task & { id: number }>`SELECT id, title, completed, version FROM tasks WHERE user_id = ${me.userId}`.execute(db())).rows.map(
      (t) => [t.id, t],
    ),
  );
  assert.equal(after.get(a.id)?.title, 'cmd 0 renamed');
  assert.equal(after.get(b.id)?.completed, true);
  assert.equal(after.has(c.id), false);
  assert.deepEqual([after.get(d.id)?.title, after.get(d.id)?.version], ['cmd 3', d.version]);
  assert.deepEqual([after.get(e.id)?.title, after.get(e.id)?.version], ['cmd 4', e.version]);
  assert.equal(after.has(f.id), true);
  assert.equal(after.get(g.id)?.completed, true);
  assert.equal(after.get(h.id)?.version, h.version + 1);

  // besides each create's event: exactly one event per command that succeeded, none for the refused
  const events = (await eventsOf(made.map((t) => t.id))).filter((ev) => ev.type !== 'created');
  assert.deepEqual(
    events.map((ev) => `${ev.key}:${ev.type}`).sort(),
    [`${a.id}:updated`, `${b.id}:completed`, `${c.id}:deleted`, `${g.id}:completed`, `${h.id}:updated`].sort(),
  );
});

test('over HTTP: 40 concurrent completions of distinct tasks each answer with their own task', async () => {
  const made = await Promise.all(Array.from({ length: 40 }, (_, i) => tasks().create(me.userId, { title: `http ${i}` })));
  const replies = await Promise.all(
    made.map(async (t) => {
      const res = await fetch(`${app.url}/api/${me.userId}/tasks/${t.id}/complete`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${me.token}` },
      });
      return { status: res.status, task: (await res.json()) as Task };
    }),
  );
  replies.forEach((r, i) => {
    assert.equal(r.status, 200);
    assert.equal(r.task.id, made[i]!.id);
    assert.equal(r.task.completed, true);
    assert.equal(r.task.version, made[i]!.version + 1);
  });
});

/**
 * Two processes' batches that lock the same rows in opposite orders: PostgreSQL breaks the
 * deadlock by undoing one (after deadlock_timeout, 1 s), and that command runs again once the
 * other has committed, instead of failing its request with a 503.
 */
test('a command undone to break a deadlock runs again: both sides commit, in a batch and alone', async () => {
  await sql`CREATE TABLE IF NOT EXISTS lock_probe (n int PRIMARY KEY, hits int NOT NULL DEFAULT 0)`.execute(db());
  await sql`INSERT INTO lock_probe (n) VALUES (1), (2) ON CONFLICT DO NOTHING`.execute(db());
  const lockBoth = (first: number, second: number, ready: () => void, bothReady: Promise<void>, attempts: number[]) => async (tx: Tx) => {
    attempts.push(first);
    await sql`UPDATE lock_probe SET hits = hits + 1 WHERE n = ${first}`.execute(tx);
    ready();
    await bothReady;
    await sql`UPDATE lock_probe SET hits = hits + 1 WHERE n = ${second}`.execute(tx);
    return first;
  };
  for (const inBatch of [true, false]) {
    const [x, y] = [new CommandBatcher(db(), () => {}), new CommandBatcher(db(), () => {})];
    let readyX!: () => void, readyY!: () => void;
    const both = Promise.all([new Promise<void>((r) => (readyX = r)), new Promise<void>((r) => (readyY = r))]).then(() => undefined);
    const attempts: number[] = [];
    const noop = async () => 0;
    // in a batch: a first command runs alone, the two that queue behind it share the next transaction
    const runs = (b: CommandBatcher, cmd: Command<number>) => (inBatch ? [b.run(noop), b.run(cmd), b.run(noop)] : [b.run(cmd)]);
    const before = await sql<{ total: number }>`SELECT sum(hits)::int AS total FROM lock_probe`.execute(db());
    const results = await Promise.allSettled([
      ...runs(x, lockBoth(1, 2, readyX, both, attempts)),
      ...runs(y, lockBoth(2, 1, readyY, both, attempts)),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      results.map(() => 'fulfilled'),
      `inBatch=${inBatch}: ${results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join(', ')}`,
    );
    // the victim ran again (a loaded machine may deadlock the two once more before one gets through)
    assert.ok(attempts.length >= 3, `a command ran again: ${attempts.length} attempts`);
    const afterRun = await sql<{ total: number }>`SELECT sum(hits)::int AS total FROM lock_probe`.execute(db());
    assert.equal(afterRun.rows[0]!.total - before.rows[0]!.total, 4, 'each command counted once: the undone attempt left nothing');
  }
});
