/**
 * Reminders on time in distributed mode, through the real stack started as shipped
 * (scripts/stack.sh, no REMINDER_SCHEDULE: the cron binding at the seed's `@every 5m`) plus a
 * second backend replica (ROLE=api, app-id todo-backend, its own daprd — what the Kubernetes
 * manifests run with `replicas: 2`). Every API process arms the precise clock; replicas learn of
 * reminders written elsewhere over LISTEN/NOTIFY; the SKIP LOCKED claim fires each once.
 *
 * Lateness bounds are generous (tests are not benchmarks: bench:stack measures the p99), but far
 * below the cron binding's five minutes, so only the clock can meet them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { client, eventually, signUp, type Session } from '../support/app.js';
import { signal } from '../faults/support.js';
import { twoReplicas, type TwoReplicas } from './replicas.js';
import { stack, type TopicReader } from './support.js';

const A = 'http://127.0.0.1:8000';
const B_PORT = 8020;
const B = `http://127.0.0.1:${B_PORT}`;
/** fired_at − remind_at: the clock's share (the ≤ 1 s p99 itself is bench:stack's reminder_lateness_p99_ms_stack) */
const FIRE_BOUND_MS = 3000;
const SLOW = { timeoutMs: 60_000, intervalMs: 200 };

let stackUp: TwoReplicas | undefined;
let env: Record<string, string>;
let reader: TopicReader;
let db: pg.Client;
let me: Session;
let apiA: ReturnType<typeof client>;
let apiB: ReturnType<typeof client>;

before(
  async () => {
    delete process.env.REMINDER_SCHEDULE; // as shipped
    stackUp = await twoReplicas({ name: 'backend-2', appPort: B_PORT, daprHttp: 3520, daprGrpc: 30020 }, ['notifications']);
    ({ env, reader } = stackUp);
    db = new pg.Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    me = await signUp(A, 'stack-reminders');
    apiA = client(A, me.token);
    apiB = client(B, me.token);
  },
  { timeout: 900_000 },
);

after(async () => {
  await db?.end().catch(() => undefined);
  await stackUp?.close();
});

const at = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();
const tasks = () => `/api/${me.userId}/tasks`;

async function createReminders(api: ReturnType<typeof client>, title: string, when: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const [i, w] of when.entries()) {
    const r = await api.post(tasks(), { title: `${title} ${i}`, due_date: at(60 * 60_000), reminders: [{ at: w }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ids.push(r.body.id);
  }
  return ids;
}

interface Fired {
  task_id: number;
  remind_at: Date;
  fired_at: Date | null;
  snooze_of: string | null;
}
async function reminderRows(ids: number[]): Promise<Fired[]> {
  const r = await db.query<Fired>(`SELECT task_id, remind_at, fired_at, snooze_of FROM reminders WHERE task_id = ANY($1) ORDER BY id`, [
    ids,
  ]);
  return r.rows;
}
async function inboxCounts(ids: number[]): Promise<Map<number, number>> {
  const r = await db.query<{ task_id: number; n: number }>(
    `SELECT task_id, count(*)::int AS n FROM notifications WHERE task_id = ANY($1) GROUP BY task_id`,
    [ids],
  );
  return new Map(r.rows.map((x) => [x.task_id, x.n]));
}
const kafkaRecords = (taskId: number) => reader.payloads('notifications', (p) => p.task_id === taskId && p.user_id === me.userId);

/** Waits until every task has `n` inbox entries, then checks that each reminder fired once, on time, and stays that way. */
async function firedOnceOnTime(ids: number[], n = 1): Promise<number[]> {
  await eventually(async () => {
    const c = await inboxCounts(ids);
    return ids.every((id) => (c.get(id) ?? 0) >= n);
  }, SLOW);
  const rows = await reminderRows(ids);
  const lateness = rows.filter((r) => r.fired_at).map((r) => r.fired_at!.getTime() - r.remind_at.getTime());
  for (const l of lateness) {
    assert.ok(l >= 0, `fired ${-l} ms early`);
    assert.ok(l <= FIRE_BOUND_MS, `fired ${l} ms after its time (bound ${FIRE_BOUND_MS} ms; lateness: ${lateness.join(', ')})`);
  }
  await new Promise((r) => setTimeout(r, 2000)); // both replicas' later scans and retries: nothing fires again
  const c = await inboxCounts(ids);
  for (const id of ids) {
    assert.equal(c.get(id), n, `task ${id}: ${n} inbox entr${n === 1 ? 'y' : 'ies'}`);
    await eventually(async () => kafkaRecords(id).length >= n, SLOW);
    assert.equal(kafkaRecords(id).length, n, `task ${id}: ${n} notifications record(s) on Kafka`);
  }
  return lateness;
}

async function firedCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('reminders_fired_total{'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('reminders on time in distributed mode (two backend replicas, default cron schedule)', () => {
  test('(a) the stack runs as shipped: the cron binding at @every 5m, and a reminder fires within the bound', async () => {
    const environ = readFileSync(
      `/proc/${readFileSync(path.join(env.STACK_RUN!, 'daprd-backend.pid'), 'utf8').trim().split(/\s+/)[0]}/environ`,
      'utf8',
    );
    assert.ok(environ.split('\0').includes('REMINDER_SCHEDULE=@every 5m'), 'the backend sidecar runs the seed schedule');
    const ids = await createReminders(apiA, 'On time', [at(2500), at(3000), at(3500)]);
    const lateness = await firedOnceOnTime(ids);
    console.log(`# (a) fire lateness ms: ${lateness.join(', ')}`);
  });

  test('(b) two replicas, both armed: each reminder fires exactly once', async () => {
    const before = (await firedCount(A)) + (await firedCount(B));
    // the same three instants, written through both replicas: both clocks are armed for each
    const instants = [at(3000), at(3000), at(3600)];
    const ids = [
      ...(await createReminders(apiA, 'Both A', [...instants, ...instants])),
      ...(await createReminders(apiB, 'Both B', [...instants, ...instants])),
    ];
    await firedOnceOnTime(ids);
    assert.equal((await firedCount(A)) + (await firedCount(B)) - before, ids.length, 'the replicas fired each once between them');
    assert.ok(
      (await reminderRows(ids)).every((r) => r.fired_at),
      'every row fired',
    );
  });

  test("(c) a killed replica's pending reminder fires on time on the other; after the restart nothing fires twice", async () => {
    const bBefore = await firedCount(B);
    // written through A only: B learns of them over NOTIFY
    const ids = await createReminders(apiA, 'Orphaned', [at(3500), at(3500), at(4000)]);
    await signal(env, 'backend', 'SIGKILL');
    const lateness = await firedOnceOnTime(ids);
    console.log(`# (c) fire lateness after the kill, ms: ${lateness.join(', ')}`);
    assert.equal((await firedCount(B)) - bBefore, ids.length, 'replica B fired them');

    await stack('up'); // restarts the killed backend
    assert.equal((await apiA.get(tasks())).status, 200);
    // reminders written through the restarted A fire on time too, once
    const after = await createReminders(apiA, 'After restart', [at(2500), at(3000)]);
    await firedOnceOnTime(after);
    const c = await inboxCounts(ids);
    assert.deepEqual(
      ids.map((id) => c.get(id)),
      ids.map(() => 1),
      'the restart fired none of the earlier ones again',
    );
  });

  test('(d) snooze fires again once; a snoozed reminder of a task completed meanwhile does not fire', async () => {
    const [kept, done] = await createReminders(apiA, 'Snoozed', [at(2000), at(2000)]);
    await firedOnceOnTime([kept!, done!]);
    const noteOf = async (id: number) => (await db.query(`SELECT id FROM notifications WHERE task_id = $1`, [id])).rows[0].id as string;
    // snoozed through B, completed through A: each replica learns of the other's writes
    const s1 = await apiB.post(`/api/${me.userId}/notifications/${await noteOf(kept!)}/snooze`, { minutes: 1 });
    const s2 = await apiB.post(`/api/${me.userId}/notifications/${await noteOf(done!)}/snooze`, { minutes: 1 });
    assert.equal(s1.status, 200, JSON.stringify(s1.body));
    assert.equal(s2.status, 200);
    assert.equal((await apiA.patch(`${tasks()}/${done}/complete`)).body.completed, true);
    const until = Date.parse(s1.body.snoozed_until);
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())));
    await firedOnceOnTime([kept!], 2);
    const snoozeRow = (await reminderRows([kept!])).find((r) => r.snooze_of);
    assert.ok(snoozeRow?.fired_at, 'the snooze row fired');
    assert.equal(snoozeRow.remind_at.toISOString(), s1.body.snoozed_until);
    const again = kafkaRecords(kept!).map((r) => r.payload);
    assert.notEqual(again[1].notification_id, again[0].notification_id, 'a new notification');
    assert.equal(again[1].remind_at, s1.body.snoozed_until);
    assert.equal((await inboxCounts([done!])).get(done!), 1, 'the completed task was not reminded again');
    assert.equal(kafkaRecords(done!).length, 1);
    assert.deepEqual(
      (await reminderRows([done!])).filter((r) => r.snooze_of),
      [],
      'its snooze was cancelled',
    );
  });
});
