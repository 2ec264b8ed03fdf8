/**
 * `npm run bench`: the embedded mode (HTTP workers + the embedded PostgreSQL, in-process dispatch, built-in
 * reminder clock). The server runs as its own process (`node dist/src/main.js`); this process
 * seeds, drives the load (autocannon) and measures. Writes bench/results/embedded.json,
 * bench/results/latest.json and BENCHMARKS.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openEmbeddedDatabase } from '../src/db/embedded-postgres.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { start } from '../src/bootstrap.js';
import { mintSessions } from './lib/api.js';
import { loadAvg, treePssMb } from './lib/machine.js';
import { descendants, settle } from './lib/cpu.js';
import { rssSampler, startServer } from './lib/proc.js';
import { cpuTable, finishedRecord, saveRecord, type Record_ } from './lib/report.js';
import { analyze, REALISTIC, seedTasks, seedUsers } from './lib/seed.js';
import { QUICK, SETTINGS as S } from './lib/settings.js';
import { log, median, sleep } from './lib/util.js';
import { httpSuite, type HttpKind } from './scenarios/http.js';
import { completeToNext, reminderLateness } from './scenarios/latency.js';
import { backlog, pipelineContext, sustained } from './scenarios/pipeline.js';
import { scanBench } from './scenarios/scan.js';
import { ceiling } from './scenarios/ceiling.js';
import { BIG_10K, BIG_30K, bigUserSuite, seedBigUsers } from './scenarios/big-user.js';
import { createServices } from '../src/app.js';

const began = Date.now();
const loads: Record_['load'] = { start: loadAvg() };
const work = await mkdtemp(path.join(tmpdir(), 'taskstream-bench-'));
const dataDir = path.join(work, 'data');
const secret = randomBytes(32).toString('hex');
const serverEnv = { AUTH_SECRET: secret };
const users = Array.from({ length: S.users }, (_, i) => `bench-u${String(i + 1).padStart(4, '0')}`);
const keys: Record<string, number> = {};
const details: Record<string, unknown> = {};

try {
  // 1. data set: 100k tasks of 1k users, through the app's own database
  log(`seeding ${S.tasks} tasks of ${S.users} users into ${dataDir}`);
  const seedT0 = performance.now();
  const tasks = new Map<string, number[]>();
  {
    const h = await openEmbeddedDatabase(dataDir);
    await migrateToLatest(h.db);
    await seedUsers(h.db, users);
    await seedTasks(h.db, { userIds: users, count: S.tasks, profile: REALISTIC, onProgress: (d) => log(`  ${d} tasks`) });
    await seedBigUsers(h.db);
    await analyze(h.db);
    const rows = await sql<{ user_id: string; id: number }>`SELECT user_id, id FROM tasks WHERE id % 5 = 0`.execute(h.db);
    for (const r of rows.rows) tasks.set(r.user_id, [...(tasks.get(r.user_id) ?? []), r.id]);
    const stats = await sql<Record<string, number>>`
      SELECT count(*)::int AS tasks, count(*) FILTER (WHERE completed)::int AS completed, count(*) FILTER (WHERE recurrence IS NOT NULL)::int AS recurring,
             count(*) FILTER (WHERE due_date IS NOT NULL)::int AS with_due_date, round(avg(cardinality(tags)), 2)::float8 AS avg_tags,
             round(avg(length(description)))::int AS avg_description_chars,
             (SELECT count(*)::int FROM reminders) AS reminder_rows
      FROM tasks`.execute(h.db);
    details['Data set'] = { ...stats.rows[0], users: S.users, seed_ms: Math.round(performance.now() - seedT0) };
    await h.close();
  }
  log(`seeded in ${Math.round(performance.now() - seedT0)} ms`);

  // 2. start (first start on this data dir), idle RSS
  loads.http = loadAvg();
  const server = await startServer({ dataDir, env: serverEnv });
  const starts = [server.startMs];
  log(`server up in ${Math.round(server.startMs)} ms (pid ${server.pid})`);
  await sleep(2000);
  // the primary, its workers and the embedded PostgreSQL together
  keys.rss_mb_idle = treePssMb(server.pid);

  // 3. HTTP
  const sessions = await mintSessions(secret, users);
  const peaks: Record<string, number> = {};
  const outboxLag: Record<string, number> = {};
  const http = await httpSuite({
    url: server.url,
    sessions,
    tasks,
    connections: S.connections,
    warmupS: S.warmupS,
    durationS: S.durationS,
    runs: S.runs,
    cpu: { server: () => [server.pid, ...descendants(server.pid)] },
    around: async (label, fn) => {
      // once a second: one PSS reading of the tree costs 10-25 ms of CPU (smaps_rollup of every
      // process), so sampling every 100 ms took a quarter of a core from the server under test
      const rss = rssSampler(server.pid, 1000, treePssMb);
      const lag = lagSampler(server.url);
      try {
        return await fn();
      } finally {
        peaks[label] = rss.stop().peak;
        outboxLag[label] = await lag.stop();
      }
    },
  });
  keys.rss_mb_under_load = Math.max(...Object.values(peaks));
  details['CPU per request (ms of CPU time per request, first measured run; 2 cores = 2000 ms/s)'] = cpuTable(http);
  details['RSS peak per HTTP run (MB)'] = peaks;
  details['Outbox lag during HTTP runs (max of /metrics outbox_lag_seconds, ms)'] = outboxLag;
  const at = (kind: HttpKind, c: number) => http[kind]?.find((r) => r.connections === c);
  keys.embedded_create_rps = at('create', 64)?.rps ?? NaN;
  keys.embedded_create_p99_ms = at('create', 64)?.p99_ms ?? NaN;
  keys.embedded_create_rps_c1 = at('create', 1)?.rps ?? NaN;
  keys.embedded_create_p99_ms_c1 = at('create', 1)?.p99_ms ?? NaN;
  keys.embedded_create_rps_c16 = at('create', 16)?.rps ?? NaN;
  keys.list_search_p99_ms_100k = at('list_search', 64)?.p99_ms ?? NaN;
  keys.list_search_rps_100k = at('list_search', 64)?.rps ?? NaN;
  keys.list_search_p99_ms_100k_c1 = at('list_search', 1)?.p99_ms ?? NaN;
  keys.list_search_p50_ms_100k_c1 = at('list_search', 1)?.p50_ms ?? NaN;
  keys.embedded_complete_rps = at('complete', 64)?.rps ?? NaN;
  keys.embedded_complete_p99_ms = at('complete', 64)?.p99_ms ?? NaN;

  // 3b. one large account: a 10k-task user's first page, a 30k-task user's fruitless search, once
  // the write runs' background work is done. The page still costs about twice its CPU here until
  // autovacuum has been through the ~30k rows just written (527 req/s at 16 connections on 5 Dec,
  // 1054 on a freshly seeded database: bench/request-cost.ts)
  details['Seconds waited for a quiet machine before the large-account reads'] = await settle();
  loads.big_user = loadAvg();
  const [big10k, big30k] = await mintSessions(secret, [BIG_10K, BIG_30K]);
  const big = await bigUserSuite({
    url: server.url,
    sessions: { big10k: big10k!, big30k: big30k! },
    warmupS: S.warmupS,
    durationS: S.durationS,
    runs: S.runs,
  });
  keys.list_page_rps_10k_c16 = big.list_page[0]!.rps;
  keys.list_page_p99_ms_10k_c64 = big.list_page[1]!.p99_ms;
  keys.search_p50_ms_30k = big.search_miss[0]!.p50_ms;
  keys.search_rps_30k_c16 = big.search_miss[1]!.rps;
  keys.today_rps_10k_c16 = big.today[0]!.rps;
  keys.project_page_rps_10k_c16 = big.project_page[0]!.rps;

  // 4. end-to-end latencies (idle server)
  loads.latency = loadAvg();
  const [latencyUser] = await mintSessions(secret, [`bench-latency-${Date.now()}`]);
  const c2n = await completeToNext(server.url, latencyUser!, S.completeSamples);
  log(`complete→next: ${JSON.stringify(c2n.summary)}`);
  keys.complete_to_next_p99_ms_embedded = c2n.summary.p99;
  keys.complete_to_next_p50_ms_embedded = c2n.summary.p50;
  const remUsers = await mintSessions(
    secret,
    Array.from({ length: 10 }, (_, i) => `bench-rem-${Date.now()}-${i}`),
  );
  const rem = await reminderLateness(server.url, remUsers, {
    count: S.reminders,
    spreadMs: 10_000,
    leadMs: 4000,
    burst: 10,
    graceMs: 3000,
  });
  log(`reminder lateness: ${JSON.stringify(rem.summary)}`);
  keys.reminder_lateness_p99_ms_embedded = rem.summary.p99;
  keys.reminder_lateness_p50_ms_embedded = rem.summary.p50;
  details['Complete → next occurrence (embedded)'] = { ...c2n, samples_ms: undefined };
  details['Reminder lateness (embedded)'] = { ...rem, samples_ms: undefined };
  await server.stop();

  // 5. start time: two more starts on the same data dir
  for (let i = 0; i < 2; i++) {
    const s = await startServer({ dataDir, env: serverEnv });
    starts.push(s.startMs);
    await s.stop();
  }
  keys.start_ms = Math.round(median(starts));
  details['Start → /readyz (ms), each start'] = starts.map((x) => Math.round(x));

  // 6. pipeline, in-process (the service's own relay and consumers on the same data dir)
  loads.pipeline = loadAvg();
  {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', AUTH_SECRET: secret });
    const running = await start(config, createLogger('warn'));
    try {
      const ctx = await pipelineContext(running.services.db, 'bench-u', () => running.services.changed());
      await backlog(ctx, Math.min(1000, S.backlog)); // warm-up
      const b = await backlog(ctx, S.backlog);
      log(`pipeline backlog (embedded): ${JSON.stringify(b)}`);
      const rates = [0.5, 0.8].map((f) => Math.max(100, Math.round((b.effects_per_s * f) / 100) * 100));
      const sus = [];
      for (const r of rates) sus.push(await sustained(ctx, r, S.sustainedS));
      keys.pipeline_events_per_s_embedded = b.effects_per_s;
      keys.pipeline_published_per_s_embedded = b.published_per_s;
      keys.outbox_lag_p99_ms_embedded = sus[sus.length - 1]!.lag_p99_ms;
      details['Event pipeline (embedded, in-process relay → consumers)'] = { backlog: b, sustained: sus };
    } finally {
      await running.stop();
    }
  }

  // 7. the ceiling of the design: the create command without HTTP and without the relay running
  {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', AUTH_SECRET: secret });
    const h = await openEmbeddedDatabase(dataDir);
    // never started (no relay), but its LISTEN connections are open: stopped before the database
    const services = await createServices({ config, log: createLogger('warn'), database: h, authSecret: secret });
    try {
      const c = await ceiling(services, users, QUICK ? 400 : 2000);
      log(`ceiling: ${JSON.stringify(c)}`);
      keys.db_select1_us = c.select1_us;
      keys.embedded_create_cmd_per_s = c.create_cmd_per_s_sequential;
      keys.embedded_create_cmd_per_s_64 = c.create_cmd_per_s_64_in_flight;
      details['Ceiling: create command in-process, no HTTP, relay stopped'] = c;
    } finally {
      await services.stop();
      await h.close();
    }
  }

  // 8. reminder selection cost against table size (a separate embedded database)
  loads.scan = loadAvg();
  {
    const h = await openEmbeddedDatabase(path.join(work, 'scan'));
    try {
      await migrateToLatest(h.db);
      const sizes = await scanBench(h.db, S.scanSizes, { iterations: S.scanIterations, prefix: 'bench-s' });
      for (const s of sizes) {
        const tag = s.tasks >= 1e6 ? `${s.tasks / 1e6}m` : `${s.tasks / 1e3}k`;
        keys[`reminder_scan_ms_${tag}`] = s.scan_10_due.p50;
        keys[`reminder_scan_p99_ms_${tag}`] = s.scan_10_due.p99;
        keys[`reminder_scan_idle_ms_${tag}`] = s.scan_idle.p50;
        keys[`reminder_scan_100_due_ms_${tag}`] = s.scan_100_due.p50;
        keys[`reminder_next_due_ms_${tag}`] = s.next_due.p50;
      }
      details['Reminder selection (embedded PostgreSQL)'] = scanMarkdown(sizes);
    } finally {
      await h.close();
    }
  }
  Object.assign(keys, await (await import('./scenarios/abuse.js')).abuseBench(work, details)); // issue 11 (bench/scenarios/abuse.ts)
  loads.end = loadAvg();

  const record = finishedRecord(began, {
    mode: 'embedded',
    load: loads,
    commands: [
      'npm run bench',
      '# = tsc -p tsconfig.build.json && node --import tsx bench/embedded.ts',
      '# server under test: DATA_DIR=<tmp> PORT=<free> HOST=127.0.0.1 LOG_LEVEL=warn AUTH_SECRET=<random> node dist/src/main.js',
    ],
    settings: { ...S, quick: QUICK },
    keys,
    http: http as Record<string, never>,
    details,
  });
  saveRecord(record);
  log(`done in ${Math.round((Date.now() - began) / 1000)} s; wrote BENCHMARKS.md and bench/results/`);
  log(JSON.stringify(record.keys));
} finally {
  await rm(work, { recursive: true, force: true });
}

/** Samples the service's outbox_lag_seconds gauge; returns the max in ms. */
function lagSampler(url: string) {
  let max = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      const text = await fetch(`${url}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      const m = /^outbox_lag_seconds ([\d.e+-]+)$/m.exec(text);
      if (m) max = Math.max(max, Number(m[1]) * 1000);
      await sleep(250);
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return Math.round(max);
    },
  };
}

function scanMarkdown(sizes: Awaited<ReturnType<typeof scanBench>>): string {
  const rows = sizes.map(
    (s) =>
      `| ${s.tasks} | ${s.reminders} | ${s.unfired} | ${s.scan_idle.p50} / ${s.scan_idle.p99} | ${s.scan_10_due.p50} / ${s.scan_10_due.p99} | ${s.scan_100_due.p50} / ${s.scan_100_due.p99} | ${s.next_due.p50} / ${s.next_due.p99} | ${Math.round(s.seed_ms / 1000)} s |`,
  );
  const last = sizes[sizes.length - 1];
  return [
    '| tasks | reminder rows | unfired | scan() nothing due p50/p99 ms | scan() 10 due p50/p99 ms | scan() 100 due p50/p99 ms | nextDue() p50/p99 ms | seeding |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `EXPLAIN ANALYZE at ${last?.tasks} tasks, 100 due — the due query:`,
    '',
    '```',
    last?.explain_due_query ?? '',
    '```',
    '',
    'nextDue():',
    '',
    '```',
    last?.explain_next_due ?? '',
    '```',
  ].join('\n');
}
