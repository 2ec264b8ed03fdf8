/**
 * No lost events and exactly-once effects under faults, against the real stack (scripts/stack.sh: daprd sidecars, Kafka,
 * PostgreSQL, backend ROLE=api + consumers ROLE=recurring / ROLE=notifications). Each case runs a
 * steady, bounded load of recurring tasks created and completed (and tasks whose reminder comes
 * due a few seconds later), injects one fault mid-stream, heals it, and then counts in PostgreSQL,
 * through the API and on Kafka: every event has its effect (zero lost) and no effect happened
 * twice (zero duplicated: one next occurrence per completed task, one inbox entry per reminder,
 * one audit row per event id). Figures go to test-results/faults.json (see RELIABILITY.md).
 *
 * Run: npm run test:faults   (takes /tmp/stack.lock; leaves the stack down unless KEEP_STACK=1)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/connect.js';
import { client, eventually, signUp, type Session } from '../support/app.js';
import { producer, stack, stackEnv, TopicReader } from '../stack/support.js';
import {
  API,
  KafkaTally,
  Load,
  alive,
  apiView,
  converge,
  heal,
  pidOf,
  record,
  signal,
  sleep,
  stackTestLock,
  startReplica,
  waitReady,
  type CaseReport,
  type LoadOptions,
  type Replica,
  type StackProcess,
} from './support.js';

const run = promisify(execFile);
const CASE_TIMEOUT = 600_000;
/** the load of every case: ~8 series a second for 30 s (bounded: at most 240 series) */
const LOAD: Omit<LoadOptions, 'label'> = { rate: 8, durationMs: 30_000, maxOps: 240, workers: 4, reminderEvery: 4, reminderInS: 3 };

let env: Record<string, string>;
let db: pg.Pool;
let tally: KafkaTally;
let unlock: (() => void) | undefined;
const replicas = new Set<Replica>();
/** sidecars we froze (SIGSTOP): thawed whatever happens */
const stopped: number[] = [];

// may first wait for the distributed-mode tests to release the stack (test/faults and test/stack run in one node test run)
before(
  async () => {
    unlock = await stackTestLock();
    await stack('down');
    process.env.REMINDER_SCHEDULE = '@every 2s';
    await stack('up');
    env = await stackEnv();
    db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
    db.on('error', () => undefined); // idle clients die with the PostgreSQL restart: expected here
    tally = new KafkaTally(env.KAFKA_BROKERS!);
  },
  { timeout: 900_000 },
);

after(async () => {
  for (const pid of stopped.splice(0)) if (alive(pid)) process.kill(pid, 'SIGCONT');
  for (const r of replicas) await r.stop('SIGKILL').catch(() => undefined);
  await db?.end().catch(() => undefined);
  if (!process.env.KEEP_STACK) await stack('down').catch(() => undefined);
  else await heal().catch(() => undefined);
  unlock?.();
});

const secondsSince = (t: number) => Math.round((Date.now() - t) / 100) / 10;

/** SIGKILL a stack process, leave it down `downMs`, then heal (stack up): the outage in seconds. */
async function killedFor(name: StackProcess, downMs: number): Promise<number> {
  const t0 = Date.now();
  await signal(env, name, 'SIGKILL');
  await sleep(downMs);
  await heal(db);
  return secondsSince(t0);
}

interface FaultContext {
  me: Session;
  load: Load;
  timings: Record<string, number>;
  notes: string[];
}

/** Sign up, load, inject the fault, heal, converge, count, assert, record. */
async function faultCase(
  name: string,
  fault: string,
  inject: (ctx: FaultContext) => Promise<void>,
  opts: { load?: Partial<LoadOptions>; allowed?: (status: number, retryAfter: string | null) => boolean } = {},
): Promise<CaseReport> {
  const me = await signUp(API, name.replace(/\W+/g, '-'));
  await tally.mark(['task-events', 'notifications']);
  const load = new Load(me, { ...LOAD, ...opts.load, label: name }).start();
  const ctx: FaultContext = { me, load, timings: {}, notes: [] };
  try {
    await inject(ctx);
  } finally {
    await load.finished();
  }
  await heal(db); // whatever the case did, the stack is whole again before counting
  const loadEnd = Date.now();
  const { ledger, drainS } = await converge(db, me.userId, load);
  ctx.timings.drainAfterLoadS = drainS;
  ctx.timings.maxNextOccurrenceLagS = ledger.maxEffectLagS.nextOccurrence;
  ctx.timings.maxNotificationLagS = ledger.maxEffectLagS.notification;
  const kafka = await tally.count(me.userId).catch((err: Error) => {
    ctx.notes.push(`kafka tally failed: ${err.message}`);
    return undefined;
  });
  const api = await apiView(me, load);
  const report: CaseReport = {
    case: name,
    fault,
    load: { ops: load.series.length, statuses: load.statuses(), durationS: Math.round((load.endedAt - load.startedAt) / 100) / 10 },
    ledger,
    kafka,
    api,
    timings: ctx.timings,
    notes: ctx.notes,
  };
  await record(report);
  void loadEnd;

  const unexpected = load.outcomes.filter(
    (o) => !(o.status >= 200 && o.status < 300) && !(opts.allowed?.(o.status, o.retryAfter) ?? false),
  );
  assert.deepEqual(
    unexpected.map((o) => `${o.op} ${o.status}`),
    [],
    `unexpected API answers: ${JSON.stringify(load.statuses())}`,
  );
  assert.ok(load.series.filter((s) => s.completed).length >= 20, `the load did real work: ${JSON.stringify(load.statuses())}`);
  assert.equal(ledger.unpublished, 0, 'the outbox drained');
  assert.deepEqual(
    ledger.lost,
    { acknowledgedWrites: 0, auditRows: 0, nextOccurrences: 0, notifications: 0, reminders: 0, total: 0 },
    'zero lost',
  );
  assert.deepEqual(ledger.duplicated, { nextOccurrences: 0, seriesHeads: 0, notifications: 0, auditRows: 0, total: 0 }, 'zero duplicated');
  assert.equal(ledger.effects.nextOccurrences, ledger.expected.nextOccurrences, 'one next occurrence per completed recurring task');
  assert.equal(ledger.effects.notifications, ledger.expected.notifications, 'one inbox entry per fired reminder');
  assert.equal(ledger.effects.auditRows, ledger.produced.taskEvents, 'one audit row per task event');
  assert.deepEqual(api.problems, [], 'the API shows the same');
  return report;
}

async function deliveries(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('event_deliveries_total{') && l.includes('consumer="audit-history"') && l.includes('outcome="SUCCESS"'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

// the cases run one after the other (≈ 4–5 min in all): longer than npm test's per-test default of 5 min allows a suite
describe('faults under load: zero lost events, zero duplicated effects', { concurrency: false, timeout: 3_600_000 }, () => {
  test('(regression) a pooled connection that the server terminates does not crash the process', async () => {
    // pg-pool re-emits an idle client's error on the pool; unhandled, it killed every app process
    // when PostgreSQL restarted (the postgres-restart case below found it)
    let lost = 0;
    const handle = await openDatabase({ url: env.DATABASE_URL!, onIdleError: () => lost++ });
    try {
      const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(handle.db);
      await db.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      const deadline = Date.now() + 5_000;
      while (lost === 0 && Date.now() < deadline) await sleep(50);
      assert.ok(lost >= 1, 'the idle connection error reached the handler');
      const again = await sql<{ one: number }>`SELECT 1 AS one`.execute(handle.db);
      assert.equal(again.rows[0]!.one, 1, 'the pool reconnects on demand');
    } finally {
      await handle.close();
    }
  });

  test('(regression) a checked-out connection that the server terminates between queries does not crash the process', async () => {
    // pg-pool listens only to idle clients: a client held by a transaction that waits on the app
    // emitted an unhandled 'error' when PostgreSQL went away (found by test:faults, postgres-restart)
    let lost = 0;
    const handle = await openDatabase({ url: env.DATABASE_URL!, onIdleError: () => lost++ });
    try {
      await assert.rejects(
        handle.db.transaction().execute(async (tx) => {
          const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(tx);
          await db.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
          const deadline = Date.now() + 5_000;
          while (lost === 0 && Date.now() < deadline) await sleep(50);
          await sql`SELECT 1`.execute(tx); // the transaction's next query fails, as it should
        }),
      );
      assert.ok(lost >= 1, 'the error of the checked-out client reached the handler');
      const again = await sql<{ one: number }>`SELECT 1 AS one`.execute(handle.db);
      assert.equal(again.rows[0]!.one, 1, 'the pool replaced the broken client');
    } finally {
      await handle.close();
    }
  });

  test('Kafka broker killed (SIGKILL) and restarted', { timeout: CASE_TIMEOUT }, async () => {
    await faultCase('kafka-kill', 'SIGKILL the Kafka broker at t=6 s, down 8 s, then scripts/stack.sh up', async (c) => {
      await sleep(6_000);
      c.timings.outageS = await killedFor('kafka', 8_000);
    });
  });

  test("the consumer's daprd, then the consumer process, killed mid-stream and restarted", { timeout: CASE_TIMEOUT }, async () => {
    await faultCase(
      'consumer-kill',
      'SIGKILL daprd-recurring at t=5 s (down 4 s) → stack up; SIGKILL the ROLE=recurring app at ≈t=18 s (down 3 s) → stack up',
      async (c) => {
        await sleep(5_000);
        c.timings.sidecarOutageS = await killedFor('daprd-recurring', 4_000);
        await sleep(3_000);
        c.timings.consumerOutageS = await killedFor('recurring', 3_000);
      },
    );
  });

  test('backend killed between commit and publish: the relay resumes from the outbox', { timeout: CASE_TIMEOUT }, async () => {
    await faultCase(
      'backend-kill',
      "SIGSTOP every daprd (every relay replica's publish hangs after commit), SIGKILL the backend once ≥ 30 of the user's committed events are unpublished, SIGCONT, stack up",
      async (c) => {
        await sleep(5_000);
        const t0 = Date.now();
        // every process runs a relay (one holds the lease): freeze all sidecars so that none can publish
        for (const d of ['daprd-backend', 'daprd-recurring', 'daprd-notifications'] as const) stopped.push(await signal(env, d, 'SIGSTOP'));
        let unpublished = 0;
        const deadline = Date.now() + 15_000;
        while (Date.now() < deadline) {
          const r = await db.query(`SELECT count(*) AS n FROM outbox WHERE published_at IS NULL AND payload->>'user_id' = $1`, [
            c.me.userId,
          ]);
          unpublished = Number(r.rows[0].n);
          if (unpublished >= 30) break;
          await sleep(250);
        }
        assert.ok(unpublished > 0, 'the outbox had unpublished rows when the backend died');
        c.timings.unpublishedAtKill = unpublished;
        await signal(env, 'backend', 'SIGKILL');
        for (const pid of stopped.splice(0)) process.kill(pid, 'SIGCONT');
        await sleep(2_000);
        await heal(db);
        c.timings.outageS = secondsSince(t0);
        c.notes.push(`${unpublished} committed events of this user were unpublished when the backend died`);
      },
      // while the backend is dead its port refuses connections (status 0); while it waits for its
      // sidecar at start it answers 503 + Retry-After; nothing else is acceptable
      { allowed: (status, retryAfter) => status === 0 || (status === 503 && Number(retryAfter) > 0) },
    );
  });

  test('PostgreSQL restarted: 503 + Retry-After meanwhile, recovery without an app restart', { timeout: CASE_TIMEOUT }, async () => {
    const before = { backend: pidOf(env, 'backend'), recurring: pidOf(env, 'recurring'), notifications: pidOf(env, 'notifications') };
    const report = await faultCase(
      'postgres-restart',
      'scripts/postgres.sh stop (-m fast) at t=6 s, down 5 s, scripts/postgres.sh start',
      async (c) => {
        await sleep(6_000);
        const t0 = Date.now();
        await run('bash', ['scripts/postgres.sh', 'stop'], { timeout: 120_000 });
        await sleep(5_000);
        await run('bash', ['scripts/postgres.sh', 'start'], { timeout: 120_000 });
        c.timings.outageS = secondsSince(t0);
        await waitReady(API);
        c.timings.apiReadyAfterS = secondsSince(t0);
      },
      { allowed: (status, retryAfter) => status === 503 && Number(retryAfter) > 0 },
    );
    const after = { backend: pidOf(env, 'backend'), recurring: pidOf(env, 'recurring'), notifications: pidOf(env, 'notifications') };
    assert.deepEqual(after, before, 'no app process was restarted');
    const unavailable = report.load.statuses;
    report.notes.push(`API answers: ${JSON.stringify(unavailable)}`);
    await record(report);
  });

  test('two backend replicas receive the same cron ticks: one notification per reminder', { timeout: CASE_TIMEOUT }, async () => {
    const replica = await startReplica(env, {
      name: 'backend-2',
      appId: 'todo-backend',
      role: 'api',
      appPort: 8010,
      daprHttp: 3510,
      daprGrpc: 30011,
      reminderSchedule: '@every 2s',
    });
    replicas.add(replica);
    let ticks = 0;
    try {
      await faultCase(
        'cron-two-replicas',
        'a second backend (ROLE=api, own daprd, app-id todo-backend, :8010) with the same @every 2s cron binding; and every 250 ms POST /reminder-cron (app token) on both at once',
        async (c) => {
          const until = Date.now() + LOAD.durationMs + 6_000;
          const tick = (port: number) =>
            fetch(`http://127.0.0.1:${port}/reminder-cron`, { method: 'POST', headers: { 'dapr-api-token': env.APP_API_TOKEN! } }).then(
              (r) => {
                if (r.status !== 200) throw new Error(`/reminder-cron on :${port} answered ${r.status}`);
                ticks++;
              },
            );
          while (Date.now() < until) {
            await Promise.all([tick(8000), tick(8010), tick(8000), tick(8010)]);
            await sleep(250);
          }
          c.notes.push(`${ticks} manual cron calls answered 200, besides both sidecars' own ticks`);
        },
        { load: { reminderEvery: 2, reminderInS: 2 } },
      );
    } finally {
      await replica.stop();
      replicas.delete(replica);
    }
    assert.ok(ticks > 100);
  });

  test('consumer-group rebalance while messages are in flight', { timeout: CASE_TIMEOUT }, async () => {
    let replica: Replica | undefined;
    try {
      await faultCase(
        'rebalance',
        'a second ROLE=recurring replica (app-id todo-recurring, own daprd, :8011) joins at t=4 s, consumes ≈10 s, then stops (SIGTERM): two rebalances',
        async (c) => {
          await sleep(4_000);
          const t0 = Date.now();
          replica = await startReplica(env, {
            name: 'recurring-2',
            appId: 'todo-recurring',
            role: 'recurring',
            appPort: 8011,
            daprHttp: 3511,
            daprGrpc: 30012,
            reminderSchedule: '@every 2s',
          });
          replicas.add(replica);
          c.timings.replicaReadyAfterS = secondsSince(t0);
          await sleep(10_000);
          const handled = await deliveries(8011);
          c.notes.push(`the second replica processed ${handled} task-events deliveries before it stopped`);
          c.timings.replicaDeliveries = handled;
          await replica.stop();
          replicas.delete(replica);
        },
      );
    } finally {
      if (replica) {
        await replica.stop('SIGKILL');
        replicas.delete(replica);
      }
    }
  });

  test(
    'shared project: the notifications consumer killed mid-stream, then every `assigned` record redelivered: one inbox entry per assignment',
    { timeout: CASE_TIMEOUT },
    async () => {
      const [owner, member] = await Promise.all([signUp(API, 'fault-share-owner'), signUp(API, 'fault-share-member')]);
      const o = client(API, owner.token);
      const project = (await o.post(`/api/${owner.userId}/projects`, { name: 'shared under faults' })).body;
      assert.equal(
        (await o.post(`/api/${owner.userId}/projects/${project.id}/members`, { email: member.email, role: 'editor' })).status,
        201,
      );
      const reader = new TopicReader(env.KAFKA_BROKERS!);
      await reader.start(['notifications']);
      const ASSIGNMENTS = 40;
      const ids: number[] = [];
      try {
        for (let i = 0; i < ASSIGNMENTS; i++) {
          if (i === 10) await signal(env, 'notifications', 'SIGKILL'); // the inbox consumer dies with deliveries in flight
          if (i === 25) await heal(db);
          const t = await o.post(`/api/${owner.userId}/tasks`, {
            title: `shared ${i}`,
            project_id: project.id,
            assignee_id: member.userId,
          });
          assert.equal(t.status, 201, JSON.stringify(t.body));
          ids.push(t.body.id);
        }
        await heal(db);
        const count = async () => {
          const r = await db.query(
            `SELECT count(*)::int AS n, count(DISTINCT task_id)::int AS tasks FROM notifications WHERE user_id = $1 AND type = 'assigned'`,
            [member.userId],
          );
          return r.rows[0] as { n: number; tasks: number };
        };
        await eventually(async () => (await count()).tasks === ASSIGNMENTS, { timeoutMs: 180_000, intervalMs: 500 });
        // redeliver: every `assigned` record of the member as it went over Kafka, produced again (same key, same bytes)
        const sent = reader.records.filter(
          (r) =>
            r.topic === 'notifications' &&
            (r.value?.data ?? r.value)?.type === 'assigned' &&
            (r.value?.data ?? r.value)?.user_id === member.userId,
        );
        assert.ok(sent.length >= ASSIGNMENTS, `${sent.length} assigned records on Kafka`);
        const p = await producer(env.KAFKA_BROKERS!);
        try {
          await p.send({ topic: 'notifications', messages: sent.map((r) => ({ key: r.key, value: JSON.stringify(r.value) })) });
        } finally {
          await p.disconnect();
        }
        // the redelivered records are consumed (they show up twice on Kafka), and the inbox has not grown
        const onKafka = () =>
          reader.records.filter(
            (r) =>
              r.topic === 'notifications' &&
              (r.value?.data ?? r.value)?.type === 'assigned' &&
              (r.value?.data ?? r.value)?.user_id === member.userId,
          ).length;
        await eventually(async () => onKafka() >= 2 * sent.length, { timeoutMs: 60_000, intervalMs: 250 });
        await sleep(8_000); // the consumer's share of the redelivery (one batch: well under a second when healthy)
        const after = await count();
        assert.deepEqual(after, { n: ASSIGNMENTS, tasks: ASSIGNMENTS }, 'one inbox entry per assignment, none twice');
        const { rows: dead } = await db.query(`SELECT count(*)::int AS n FROM dead_letters WHERE payload::text LIKE $1`, [
          `%${member.userId}%`,
        ]);
        assert.equal(dead[0].n, 0, 'nothing was dead-lettered');
        const api = await client(API, member.token).get(`/api/${member.userId}/notifications?limit=200`);
        assert.equal(api.body.filter((n: any) => n.type === 'assigned').length, ASSIGNMENTS, 'the API shows the same');
        assert.deepEqual(
          api.body
            .filter((n: any) => n.type === 'assigned')
            .map((n: any) => n.task_id)
            .sort((a: number, b: number) => a - b),
          ids,
        );
      } finally {
        await reader.stop().catch(() => undefined);
      }
    },
  );
});
