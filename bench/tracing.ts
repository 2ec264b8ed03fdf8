/**
 * `npm run bench:tracing`: what OpenTelemetry tracing costs, in `npm run bench` terms (the built
 * service, `node --import ./dist/src/tracing/register.js dist/src/main.js`, the embedded mode, the
 * same create and list-with-search requests). The same data directory is served with tracing off
 * and on, alternately (off, on, off, on: a shared machine's load drifts), and each round measures
 * throughput, latency and the CPU the server's process tree spent per request. With tracing on,
 * every span is exported over OTLP/HTTP (protobuf) to a sink in this process that discards it, so
 * the cost includes the SDK's batching and serialisation. Writes bench/results/tracing.json.
 *
 * Tracing on is measured at each sampling ratio of BENCH_TRACING_RATIOS (parent-based trace-id
 * ratio sampler, OTEL_TRACES_SAMPLER_ARG): 1 records every request, 0.1 one in ten.
 *
 * Env: BENCH_TRACING_DURATION_S (8), BENCH_TRACING_CONNECTIONS (16), BENCH_TRACING_ROUNDS (2),
 * BENCH_TRACING_RATIOS ("1,0.1").
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEmbeddedDatabase } from '../src/db/embedded-postgres.js';
import { mintSessions } from './lib/api.js';
import { descendants } from './lib/cpu.js';
import { loadAvg } from './lib/machine.js';
import { freePort, ROOT, startServer } from './lib/proc.js';
import { analyze, REALISTIC, seedTasks, seedUsers } from './lib/seed.js';
import { load } from './lib/load.js';
import { cpuMeter } from './lib/cpu.js';
import { log, rng, round } from './lib/util.js';
import { createRequest, listRequest } from './scenarios/http.js';

const DURATION_S = Number(process.env.BENCH_TRACING_DURATION_S ?? 8);
const CONNECTIONS = Number(process.env.BENCH_TRACING_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_TRACING_ROUNDS ?? 2);
const RATIOS = (process.env.BENCH_TRACING_RATIOS ?? '1,0.1').split(',').map((r) => r.trim());
const USERS = 100;
const TASKS = 10_000;

const work = await mkdtemp(path.join(tmpdir(), 'taskstream-bench-tracing-'));
const dataDir = path.join(work, 'data');
const secret = randomBytes(32).toString('hex');
const users = Array.from({ length: USERS }, (_, i) => `trace-u${String(i + 1).padStart(3, '0')}`);

// the OTLP endpoint: reads and discards (the spans' cost is the service's, not a collector's)
let exported = 0;
const sink = createServer((req, res) => {
  req.on('data', (c: Buffer) => (exported += c.length));
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
const sinkPort = await freePort();
await new Promise<void>((r) => sink.listen(sinkPort, '127.0.0.1', r));

const TRACING_ON = {
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
};

interface Round {
  /** 'off', or 'on@<sampling ratio>' */
  tracing: string;
  kind: 'create' | 'list_search';
  rps: number;
  p50_ms: number;
  p99_ms: number;
  cpu_ms_per_request: number;
  load: [number, number, number];
}

const rounds: Round[] = [];
try {
  log(`seeding ${TASKS} tasks of ${USERS} users`);
  {
    const h = await openEmbeddedDatabase(dataDir);
    await seedUsers(h.db, users);
    await seedTasks(h.db, { userIds: users, count: TASKS, profile: REALISTIC });
    await analyze(h.db);
    await h.close();
  }
  const sessions = await mintSessions(secret, users);
  const modes = Array.from({ length: ROUNDS }, () => ['off', ...RATIOS.map((r) => `on@${r}`)]).flat();
  for (const tracing of modes) {
    const ratio = tracing.startsWith('on@') ? tracing.slice(3) : undefined;
    const server = await startServer({
      dataDir,
      nodeArgs: ['--import', './dist/src/tracing/register.js'],
      env: {
        AUTH_SECRET: secret,
        ...(ratio ? { ...TRACING_ON, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: ratio } : {}),
      },
    });
    try {
      for (const kind of ['create', 'list_search'] as const) {
        const r = rng(kind === 'create' ? 7 : 11);
        const res = await load({
          url: server.url,
          next: () => (kind === 'create' ? createRequest(r, sessions) : listRequest(r, sessions)),
          connections: CONNECTIONS,
          warmupS: 2,
          durationS: DURATION_S,
          runs: 1,
          probe: () => cpuMeter({ server: () => [server.pid, ...descendants(server.pid)] }),
        });
        const run = res.runs[0]!;
        const cpu = (run.probe as { cpu_ms: Record<string, number> }).cpu_ms.server!;
        const row: Round = {
          tracing,
          kind,
          rps: res.rps,
          p50_ms: res.p50_ms,
          p99_ms: res.p99_ms,
          cpu_ms_per_request: round(cpu / Math.max(1, run.requests), 3),
          load: loadAvg(),
        };
        rounds.push(row);
        log(
          `tracing ${tracing} ${kind}: ${row.rps} req/s, p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms, ${row.cpu_ms_per_request} ms CPU/request (server tree), load ${row.load.join(' ')}`,
        );
      }
    } finally {
      await server.stop();
    }
  }

  const summary: Record<string, unknown> = {};
  const mean = (xs: Round[], k: 'rps' | 'cpu_ms_per_request' | 'p50_ms') => xs.reduce((a, x) => a + x[k], 0) / xs.length;
  const pct = (on: number, off: number) => round((100 * (on - off)) / off, 1);
  for (const kind of ['create', 'list_search'] as const) {
    const of = (t: string) => rounds.filter((x) => x.kind === kind && x.tracing === t);
    const off = of('off');
    const row: Record<string, number> = {
      rps_off: round(mean(off, 'rps'), 1),
      cpu_ms_per_request_off: round(mean(off, 'cpu_ms_per_request'), 3),
      p50_ms_off: round(mean(off, 'p50_ms'), 2),
    };
    for (const r of RATIOS) {
      const on = of(`on@${r}`);
      row[`rps_on@${r}`] = round(mean(on, 'rps'), 1);
      row[`throughput_change_pct_on@${r}`] = pct(mean(on, 'rps'), mean(off, 'rps'));
      row[`cpu_ms_per_request_on@${r}`] = round(mean(on, 'cpu_ms_per_request'), 3);
      row[`cpu_per_request_change_pct_on@${r}`] = pct(mean(on, 'cpu_ms_per_request'), mean(off, 'cpu_ms_per_request'));
      row[`p50_ms_on@${r}`] = round(mean(on, 'p50_ms'), 2);
    }
    summary[kind] = row;
  }
  const out = {
    when: new Date().toISOString(),
    connections: CONNECTIONS,
    duration_s: DURATION_S,
    otlp_bytes_exported: exported,
    summary,
    rounds,
  };
  await mkdir(path.join(ROOT, 'bench/results'), { recursive: true });
  await writeFile(path.join(ROOT, 'bench/results/tracing.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify(summary, null, 2));
} finally {
  sink.close();
  await rm(work, { recursive: true, force: true });
}
