/**
 * `npm run bench:stack`: the distributed mode — backend (ROLE=api) and the two consumer
 * processes, each behind its own daprd, Kafka and PostgreSQL (scripts/stack.sh), restarted as
 * shipped: the cron binding at the seed's `@every 5m`, so reminder lateness is the API clock's
 * (issue 12: an `@every 1s` override hid that the binding alone is minutes late). Run under `flock /tmp/stack.lock` (the npm script does) so
 * it never overlaps another user of the stack's fixed ports. Users come through the public API
 * (register + login); bulk data goes straight into the stack's PostgreSQL and is removed at the
 * end. Writes bench/results/stack.json, bench/results/latest.json and BENCHMARKS.md.
 */
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { Db } from '../src/db/types.js';
import { registerSessions, type Session } from './lib/api.js';
import { loadAvg, rssMb } from './lib/machine.js';
import { rssSampler } from './lib/proc.js';
import { cpuTable, finishedRecord, saveRecord, type Record_ } from './lib/report.js';
import { cpuMeter, pidsByName } from './lib/cpu.js';
import { analyze, REALISTIC, seedTasks, seedUsers } from './lib/seed.js';
import { QUICK, SETTINGS as S } from './lib/settings.js';
import { pidOnPort, psqlAdmin, stackEnv, stackSh, STACK_PORTS } from './lib/stack.js';
import { log, sleep } from './lib/util.js';
import { httpSuite, type HttpKind, type HttpResults } from './scenarios/http.js';
import { completeToNext, reminderLateness } from './scenarios/latency.js';
import { backlog, pipelineContext, sustained } from './scenarios/pipeline.js';
import { scanBench } from './scenarios/scan.js';

const began = Date.now();
const loads: Record_['load'] = { start: loadAvg() };
const keys: Record<string, number> = {};
const details: Record<string, unknown> = {};
const runTag = `bench-${Date.now().toString(36)}`;
const SYNTH = 'bench-su';
const BENCH_DB = 'todo_bench';

// 1. a fresh stack: the default cron schedule (no REMINDER_SCHEDULE), warn-level logs (like the embedded runs)
log('restarting the stack (default REMINDER_SCHEDULE, LOG_LEVEL=warn)');
await stackSh(['down']);
const upT0 = performance.now();
// BENCH_STACK_APP_CMD: run another build of the app (e.g. a checkout of the previous commit, for before/after)
delete process.env.REMINDER_SCHEDULE;
await stackSh(['up'], {
  LOG_LEVEL: 'warn',
  STACK_SKIP_BUILD: '1',
  ...(process.env.BENCH_STACK_APP_CMD ? { STACK_APP_CMD: process.env.BENCH_STACK_APP_CMD } : {}),
  ...(process.env.BENCH_STACK_COMPONENTS ? { STACK_COMPONENTS: process.env.BENCH_STACK_COMPONENTS } : {}),
});
keys.stack_up_ms = Math.round(performance.now() - upT0);
const env = await stackEnv();
const api = env.API_URL ?? 'http://127.0.0.1:8000';
const dbUrl = env.DATABASE_URL!;
const pids = Object.fromEntries(Object.entries(STACK_PORTS).map(([name, port]) => [name, pidOnPort(port)]));
log(`stack up in ${keys.stack_up_ms} ms: ${JSON.stringify(pids)}`);
const rssOf = () => Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, pid ? rssMb(pid) : NaN]));

const database: DatabaseHandle = await openDatabase({ url: dbUrl });
const db = database.db;
let http: Partial<HttpResults> | undefined;
try {
  await cleanup(db);
  details['RSS idle (MB)'] = rssOf();

  // 2. users through the API (the stack's AUTH_SECRET stays in its secret store), data set in bulk
  const sessions = await registerSessions(api, runTag, 10);
  const listUsers = sessions.slice(0, 8);
  const synthetic = Array.from({ length: S.users - listUsers.length }, (_, i) => `${SYNTH}${String(i + 1).padStart(4, '0')}`);
  await seedUsers(db, synthetic);
  const seedT0 = performance.now();
  await seedTasks(db, {
    userIds: [...listUsers.map((s) => s.userId), ...synthetic],
    count: S.tasks,
    profile: REALISTIC,
    onProgress: (d) => log(`  ${d} tasks`),
  });
  await analyze(db);
  details['Data set'] = { tasks: S.tasks, users: S.users, api_users: listUsers.length, seed_ms: Math.round(performance.now() - seedT0) };
  const tasks = new Map<string, number[]>();
  const rows = await db
    .selectFrom('tasks')
    .select(['user_id', 'id'])
    .where(
      'user_id',
      'in',
      listUsers.map((s) => s.userId),
    )
    .execute();
  for (const r of rows) tasks.set(r.user_id, [...(tasks.get(r.user_id) ?? []), r.id]);

  // 3. HTTP against the backend; the relay publishes and the consumers consume meanwhile
  loads.http = loadAvg();
  const peaks: Record<string, Record<string, number>> = {};
  http = await httpSuite({
    url: api,
    sessions: listUsers,
    tasks,
    connections: S.connections,
    warmupS: S.warmupS,
    durationS: S.durationS,
    runs: S.runs,
    cpu: {
      ...Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, () => (pid ? [pid] : [])])),
      postgres: () => pidsByName('postgres'),
    },
    around: async (label, fn) => {
      const samplers = Object.entries(pids).map(([n, pid]) => [n, pid ? rssSampler(pid, 250) : undefined] as const);
      try {
        return await fn();
      } finally {
        peaks[label] = Object.fromEntries(samplers.map(([n, s]) => [n, s?.stop().peak ?? NaN]));
      }
    },
  });
  details['CPU per request (ms of CPU time per request, first measured run; 2 cores = 2000 ms/s)'] = cpuTable(http);
  details['RSS peak per HTTP run (MB)'] = peaks;
  const at = (kind: HttpKind, c: number) => http?.[kind]?.find((r) => r.connections === c);
  keys.stack_create_rps = at('create', 64)?.rps ?? NaN;
  keys.stack_create_p99_ms = at('create', 64)?.p99_ms ?? NaN;
  keys.stack_create_rps_c1 = at('create', 1)?.rps ?? NaN;
  keys.stack_create_p99_ms_c1 = at('create', 1)?.p99_ms ?? NaN;
  keys.stack_list_search_p99_ms_100k = at('list_search', 64)?.p99_ms ?? NaN;
  keys.stack_list_search_rps_100k = at('list_search', 64)?.rps ?? NaN;
  keys.stack_complete_rps = at('complete', 64)?.rps ?? NaN;
  keys.stack_complete_p99_ms = at('complete', 64)?.p99_ms ?? NaN;
  keys.rss_mb_stack_backend_under_load = Math.max(...Object.values(peaks).map((p) => p.backend ?? NaN));
  // wait until the consumers caught up with what the HTTP runs wrote (consumer lag after the load)
  const caughtUp = await drainOutbox(db);
  keys.stack_outbox_drain_after_http_ms = caughtUp;

  // 4. end-to-end latencies
  loads.latency = loadAvg();
  const c2n = await completeToNext(api, sessions[8]!, Math.round(S.completeSamples / 2));
  log(`complete→next (stack): ${JSON.stringify(c2n.summary)}`);
  keys.complete_to_next_p99_ms_stack = c2n.summary.p99;
  keys.complete_to_next_p50_ms_stack = c2n.summary.p50;
  details['Complete → next occurrence (stack)'] = { ...c2n, samples_ms: undefined };
  const rem = await reminderLateness(api, listUsers, {
    count: Math.round(S.reminders / 2),
    spreadMs: 10_000,
    leadMs: 4000,
    burst: 10,
    graceMs: 5000,
    firedAt: async (ids) => {
      const r = await db.selectFrom('reminders').select(['task_id', 'fired_at']).where('task_id', 'in', ids).execute();
      return new Map(r.filter((x) => x.fired_at).map((x) => [x.task_id, x.fired_at!.getTime()]));
    },
  });
  log(`reminder lateness (stack): ${JSON.stringify(rem.summary)}`);
  keys.reminder_lateness_p99_ms_stack = rem.summary.p99;
  keys.reminder_lateness_p50_ms_stack = rem.summary.p50;
  if (rem.fired) keys.reminder_fire_lateness_p99_ms_stack = rem.fired.p99;
  details['Reminder lateness (stack, default cron @every 5m: the API clock)'] = { ...rem, samples_ms: undefined };

  // 5. pipeline: outbox rows → backend relay → daprd → Kafka → daprd → recurring consumer → task_history
  loads.pipeline = loadAvg();
  {
    // after each commit, wake the relay that holds the lease, as the app does (src/events/wakeup.ts)
    const ctx = await pipelineContext(
      db,
      SYNTH,
      () => void sql`SELECT pg_notify('outbox_relay_wakeup', '')`.execute(db).catch(() => undefined),
    );
    await backlog(ctx, Math.min(1000, S.backlog));
    const meter = cpuMeter({
      ...Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, () => (pid ? [pid] : [])])),
      postgres: () => pidsByName('postgres'),
    });
    const b = await backlog(ctx, S.backlog, 300_000);
    const used = meter.stop();
    details['Pipeline backlog: CPU per event (ms)'] = {
      machine_busy_pct: used.machine_busy_pct,
      ...Object.fromEntries(Object.entries(used.cpu_ms).map(([n, ms]) => [n, Math.round((ms / S.backlog) * 1000) / 1000])),
    };
    log(`pipeline backlog (stack): ${JSON.stringify(b)}`);
    const rates = [0.5, 0.8].map((f) => Math.max(100, Math.round((b.effects_per_s * f) / 100) * 100));
    const sus = [];
    for (const r of rates) sus.push(await sustained(ctx, r, S.sustainedS, 300_000));
    keys.pipeline_events_per_s = b.effects_per_s;
    keys.pipeline_published_per_s_stack = b.published_per_s;
    keys.outbox_lag_p99_ms_stack = sus[sus.length - 1]!.lag_p99_ms;
    details['Event pipeline (stack: relay → Dapr → Kafka → Dapr → consumer)'] = { backlog: b, sustained: sus };
  }
  details['RSS at the end (MB)'] = rssOf();
} finally {
  await cleanup(db).catch((err: Error) => log(`cleanup failed: ${err.message}`));
  await database.close();
}

// 6. reminder selection cost on PostgreSQL (its own database, dropped afterwards)
loads.scan = loadAvg();
{
  await psqlAdmin(`DROP DATABASE IF EXISTS ${BENCH_DB}`);
  await psqlAdmin(`CREATE DATABASE ${BENCH_DB} OWNER todo`);
  const h = await openDatabase({ url: dbUrl.replace(/\/[^/]+$/, `/${BENCH_DB}`) });
  try {
    await migrateToLatest(h.db);
    const sizes = await scanBench(h.db, S.scanSizes, { iterations: S.scanIterations, prefix: 'bench-s' });
    for (const s of sizes) {
      const tag = s.tasks >= 1e6 ? `${s.tasks / 1e6}m` : `${s.tasks / 1e3}k`;
      keys[`reminder_scan_ms_${tag}_pg`] = s.scan_10_due.p50;
      keys[`reminder_scan_p99_ms_${tag}_pg`] = s.scan_10_due.p99;
      keys[`reminder_scan_idle_ms_${tag}_pg`] = s.scan_idle.p50;
      keys[`reminder_scan_100_due_ms_${tag}_pg`] = s.scan_100_due.p50;
      keys[`reminder_next_due_ms_${tag}_pg`] = s.next_due.p50;
    }
    details['Reminder selection (PostgreSQL 15)'] = sizes.map((s) => ({ ...s, explain_due_query: undefined, explain_next_due: undefined }));
    const last = sizes[sizes.length - 1];
    details['EXPLAIN ANALYZE, PostgreSQL, largest size'] = ['```', last?.explain_due_query, '', last?.explain_next_due, '```'].join('\n');
  } finally {
    await h.close();
    await psqlAdmin(`DROP DATABASE IF EXISTS ${BENCH_DB}`);
  }
}
loads.end = loadAvg();

const record = finishedRecord(began, {
  mode: 'stack',
  load: loads,
  commands: [
    'npm run bench:stack',
    '# = tsc -p tsconfig.build.json && flock /tmp/stack.lock node --import tsx bench/stack.ts',
    "# which runs: scripts/stack.sh down; LOG_LEVEL=warn STACK_SKIP_BUILD=1 scripts/stack.sh up (default REMINDER_SCHEDULE '@every 5m')",
  ],
  settings: {
    ...S,
    quick: QUICK,
    api_users: 8,
    app_cmd: process.env.BENCH_STACK_APP_CMD ?? 'node dist/src/main.js',
    components: process.env.BENCH_STACK_COMPONENTS ?? 'dapr/components-local',
  },
  keys,
  http: http as Record<string, never>,
  details,
});
saveRecord(record);
log(`done in ${Math.round((Date.now() - began) / 1000)} s; wrote BENCHMARKS.md and bench/results/ (the stack is left running)`);
log(JSON.stringify(record.keys));

/** Waits until the backend's relay has published everything; returns how long that took. */
async function drainOutbox(d: Db): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`.execute(d);
    if (r.rows[0]!.n === 0) return Math.round(performance.now() - t0);
    if (performance.now() - t0 > 120_000) throw new Error('outbox not drained after 120 s');
    await sleep(50);
  }
}

/** Removes every row the benchmark put into the shared `todo` database (API users and synthetic users). */
async function cleanup(d: Db): Promise<void> {
  const ids = (
    await sql<{ id: string }>`SELECT id FROM users WHERE id LIKE ${`${SYNTH}%`} OR email LIKE 'bench-%@bench.example.com'`.execute(d)
  ).rows.map((r) => r.id);
  if (!ids.length) return;
  await d.transaction().execute(async (tx) => {
    await sql`DELETE FROM tasks WHERE user_id = ANY(${ids})`.execute(tx);
    await sql`DELETE FROM task_history WHERE user_id = ANY(${ids})`.execute(tx);
    await sql`DELETE FROM notifications WHERE user_id = ANY(${ids})`.execute(tx);
    await sql`DELETE FROM outbox WHERE published_at IS NOT NULL AND payload->>'user_id' = ANY(${ids})`.execute(tx);
    await sql`DELETE FROM users WHERE id = ANY(${ids})`.execute(tx);
  });
  log(`removed the benchmark's rows of ${ids.length} users from the stack database`);
}

export type { Session };
