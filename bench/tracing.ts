/**
 * `npm run bench:tracing`: what OpenTelemetry tracing costs, in `npm run bench` terms (the built
 * service, `node --import ./dist/src/tracing/register.js dist/src/main.js`, the embedded mode, the
 * same create and list-with-search requests). One server per mode (tracing off, and on at each
 * sampling ratio), each on its own copy of the same data, all running at once; with tracing on
 * every span is exported over OTLP/HTTP (protobuf) to a sink in this process that discards it, so
 * the cost includes the SDK's batching and serialisation.
 *
 * Two measures per server and request kind:
 *  - CPU per request at a fixed pace (BENCH_TRACING_RATE req/s, well below what either mode serves):
 *    the CPU time the server's processes spent (read from /proc: the primary and its workers, and
 *    PostgreSQL apart), less what they spend idle (measured before: the lower of two 2 s windows),
 *    divided by the requests. The servers take turns in windows of BENCH_TRACING_WINDOW_S, one
 *    server loaded at a time, BENCH_TRACING_CYCLES times over in a rotating order: a cycle's
 *    windows follow each other within seconds, so they share the machine's state (a shared
 *    machine's CPU time per request moves by tens of % within minutes), and the overhead keys are
 *    the medians over the cycles of each cycle's on-vs-off change: what the node processes' CPU
 *    grows by, as % of the request's whole CPU with tracing off (PostgreSQL's own change, noise,
 *    apart: see `measures`). The pace is the same in every mode, so group commit batches alike.
 *  - throughput at saturation (BENCH_TRACING_CONNECTIONS connections, BENCH_TRACING_DURATION_S),
 *    one server at a time, twice in reversed orders: req/s and latency, which a loaded machine
 *    makes noisy.
 *
 * Tracing on is measured at each sampling ratio of BENCH_TRACING_RATIOS (parent-based trace-id
 * ratio sampler, OTEL_TRACES_SAMPLER_ARG): 1 records every request, 0.1 one in ten. Writes
 * bench/results/tracing.json and re-renders BENCHMARKS.md.
 *
 * Each kind's windows follow a warm-up of BENCH_TRACING_WARMUP_S, all servers at once at the pace
 * (not measured): a fresh process's CPU per create was still falling 60 s in (by ~30 %, more with
 * tracing on), so a short warm-up measured how fast each mode settles rather than what it costs.
 *
 * Env: BENCH_TRACING_RATE (50), BENCH_TRACING_WARMUP_S (60), BENCH_TRACING_WINDOW_S (6),
 * BENCH_TRACING_CYCLES (60), BENCH_TRACING_DURATION_S (6), BENCH_TRACING_CONNECTIONS (16),
 * BENCH_TRACING_RATIOS ("1"; "1,0.1" adds a server sampling one trace in ten),
 * BENCH_TRACING_KINDS ("list_search,create"; a subset is printed, not saved). ≈ 37 min.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon, { type Request } from 'autocannon';
import { openEmbeddedDatabase } from '../src/db/embedded-postgres.js';
import { mintSessions } from './lib/api.js';
import { cpuMeter, descendants } from './lib/cpu.js';
import { loadAvg, machine } from './lib/machine.js';
import { freePort, startServer } from './lib/proc.js';
import { saveRecord, type Record_ } from './lib/report.js';
import { analyze, REALISTIC, seedTasks, seedUsers } from './lib/seed.js';
import { load } from './lib/load.js';
import { log, median, medianInterval, rng, round, sleep } from './lib/util.js';
import { createRequest, listRequest } from './scenarios/http.js';

const RATE = Number(process.env.BENCH_TRACING_RATE ?? 50);
const WINDOW_S = Number(process.env.BENCH_TRACING_WINDOW_S ?? 6);
// 20 cycles left a 95 % interval 12–28 points wide (5 Dec): too wide to tell 10 % from 5 %
const CYCLES = Number(process.env.BENCH_TRACING_CYCLES ?? 60);
const DURATION_S = Number(process.env.BENCH_TRACING_DURATION_S ?? 6);
const CONNECTIONS = Number(process.env.BENCH_TRACING_CONNECTIONS ?? 16);
const RATIOS = (process.env.BENCH_TRACING_RATIOS ?? '1').split(',').map((r) => r.trim());
const WARMUP_S = Number(process.env.BENCH_TRACING_WARMUP_S ?? 60);
/** all servers at once, at the pace: 3000 requests each, 30 per user */
const WARMUP_RATE = RATE;
const IDLE_MS = 4000;
const USERS = 100;
const TASKS = 10_000;
// lists first: they write nothing, so they read the seeded data; after the creates (60 cycles add
// ~30k tasks per server) a list cost PostgreSQL ~5 ms instead of ~1.5 (5 Dec), other data
const ALL_KINDS = ['list_search', 'create'] as const;
type Kind = (typeof ALL_KINDS)[number];
/** BENCH_TRACING_KINDS=create: a longer look at one kind; such a partial run is printed, not saved */
const named = (process.env.BENCH_TRACING_KINDS ?? ALL_KINDS.join(',')).split(',').map((k) => k.trim());
const unknown = named.filter((k) => !(ALL_KINDS as readonly string[]).includes(k));
if (unknown.length) throw new Error(`BENCH_TRACING_KINDS: unknown ${unknown.join(', ')} (kinds: ${ALL_KINDS.join(', ')})`);
const KINDS = ALL_KINDS.filter((k) => named.includes(k));
const PARTIAL = KINDS.length < ALL_KINDS.length;
/** a kind's name in the keys */
const shortOf = (kind: Kind) => (kind === 'create' ? 'create' : 'list');

const started = Date.now();
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

/**
 * A window is metered until its spans are exported: the SDK's batch processor exports on a timer
 * (5 s by default), so a 6 s window's later spans would go out after its meter stopped, their cost
 * counted nowhere. Every second instead: smaller batches, each export's fixed cost shared by fewer
 * spans, so if anything this overstates what tracing costs.
 */
const EXPORT_DELAY_MS = 1000;
const TRACING_ON = {
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
  OTEL_BSP_SCHEDULE_DELAY: String(EXPORT_DELAY_MS),
};

const comm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

/** One paced window: `WINDOW_S` of requests at RATE/s against one server, the others idle. */
interface Cycle {
  /** 'off', or 'on@<sampling ratio>' */
  tracing: string;
  cycle: number;
  kind: Kind;
  /** CPU ms per request of the node processes (primary + workers) and of PostgreSQL, idle CPU taken off */
  cpu_ms_per_request: number;
  /** idle CPU included */
  gross_cpu_ms_per_request: number;
  node_cpu_ms_per_request: number;
  pg_cpu_ms_per_request: number;
  paced_requests: number;
  load: [number, number, number];
}

interface Saturated {
  tracing: string;
  kind: Kind;
  rps: number;
  p50_ms: number;
  p99_ms: number;
}

/** `seconds` of `next`'s requests at `rate` per second, over 8 connections. */
const paced = (url: string, rate: number, seconds: number, next: () => Request) =>
  autocannon({
    url,
    connections: 8,
    overallRate: rate,
    amount: rate * seconds,
    timeout: 30,
    requests: [{ setupRequest: (req) => ({ ...req, ...next() }) }],
  });

interface Target {
  tracing: string;
  url: string;
  pid: number;
  /** this kind's requests for this server: the same sequence for every server */
  next: () => Request;
}

const groupsOf = (pid: number) => {
  const tree = () => [pid, ...descendants(pid)];
  return {
    node: () => tree().filter((p) => comm(p) !== 'postgres'),
    postgres: () => tree().filter((p) => comm(p) === 'postgres'),
  };
};

/**
 * What each server's processes burn idle (timers, the relay's polls, PostgreSQL's background work),
 * per ms, all servers at once: the lower of two windows (the backlog of a run before, its relay and
 * consumers still draining, would be taken off the requests).
 */
async function idleRates(targets: Target[]) {
  const rates = targets.map(() => ({ node: Infinity, postgres: Infinity }));
  for (let w = 0; w < 2; w++) {
    const meters = targets.map((t) => cpuMeter(groupsOf(t.pid)));
    await sleep(IDLE_MS / 2);
    meters.forEach((m, i) => {
      const r = m.stop();
      for (const g of ['node', 'postgres'] as const) rates[i]![g] = Math.min(rates[i]![g], r.cpu_ms[g]! / r.wall_ms);
    });
  }
  return rates;
}

/** One window: `WINDOW_S` of paced requests against one server (the others idle); its CPU per request, idle CPU taken off. */
async function window(t: Target, idle: { node: number; postgres: number }) {
  const meter = cpuMeter(groupsOf(t.pid));
  const res = await paced(t.url, RATE, WINDOW_S, t.next);
  // the last requests' events are still being relayed and consumed, and their spans exported: that counts too
  await sleep(EXPORT_DELAY_MS + 500);
  const b = meter.stop();
  if (res.non2xx || res.errors) throw new Error(`paced run: ${res.non2xx} non-2xx, ${res.errors} errors`);
  const n = Math.max(1, res.requests.total);
  const own = (g: 'node' | 'postgres') => Math.max(0, b.cpu_ms[g]! - idle[g] * b.wall_ms) / n;
  return { requests: n, node: own('node'), postgres: own('postgres'), gross: (b.cpu_ms.node! + b.cpu_ms.postgres!) / n };
}

const cycles: Cycle[] = [];
const saturated: Saturated[] = [];
const loads: Record<string, [number, number, number]> = {};
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
  const modes = ['off', ...RATIOS.map((r) => `on@${r}`)];
  // each server its own copy of the data (its own PostgreSQL): all run for the whole bench
  const dataOf = (tracing: string) => path.join(work, `data-${tracing}`);
  for (const tracing of modes) await cp(dataDir, dataOf(tracing), { recursive: true });
  const servers = await Promise.all(
    modes.map((tracing) => {
      const ratio = tracing.startsWith('on@') ? tracing.slice(3) : undefined;
      return startServer({
        dataDir: dataOf(tracing),
        nodeArgs: ['--import', './dist/src/tracing/register.js'],
        env: {
          AUTH_SECRET: secret,
          LIMIT_WRITES_PER_SECOND: '100000',
          LIMIT_WRITE_BURST: '100000',
          ...(ratio ? { ...TRACING_ON, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: ratio } : {}),
        },
      });
    }),
  );
  try {
    for (const kind of KINDS) {
      // the same requests, in the same order, for every server (so their data stays alike)
      const requests = (seed: number) => {
        const r = rng(seed);
        return () => (kind === 'create' ? createRequest(r, sessions) : listRequest(r, sessions));
      };
      const seed = kind === 'create' ? 7 : 11;
      const targets: Target[] = servers.map((s, i) => ({ tracing: modes[i]!, url: s.url, pid: s.pid, next: requests(seed) }));
      // warm-up, not measured, all servers at once: a fresh process's CPU per request falls for a
      // minute or more (code compiled and re-optimised, heap and GC sized, per-process caches
      // filled — a user's row and Inbox checked once per process), further with tracing on
      log(`${kind}: warm-up, ${WARMUP_S} s at ${WARMUP_RATE}/s per server`);
      await Promise.all(targets.map((t) => paced(t.url, WARMUP_RATE, WARMUP_S, requests(1000 + seed))));
      await sleep(2000);
      const idle = await idleRates(targets);
      loads[kind] = loadAvg();
      for (let c = 1; c <= CYCLES; c++) {
        // the order rotates, so each server is first, second and last in turn (it is cyclic: each
        // still follows the same one, and the windows' rotation does not change which)
        for (let k = 0; k < targets.length; k++) {
          const i = (k + c) % targets.length;
          const w = await window(targets[i]!, idle[i]!);
          const row: Cycle = {
            tracing: targets[i]!.tracing,
            cycle: c,
            kind,
            cpu_ms_per_request: round(w.node + w.postgres, 3),
            gross_cpu_ms_per_request: round(w.gross, 3),
            node_cpu_ms_per_request: round(w.node, 3),
            pg_cpu_ms_per_request: round(w.postgres, 3),
            paced_requests: w.requests,
            load: loadAvg(),
          };
          cycles.push(row);
          log(
            `cycle ${c} tracing ${row.tracing} ${kind}: ${row.cpu_ms_per_request} ms CPU/request (node ${row.node_cpu_ms_per_request}, pg ${row.pg_cpu_ms_per_request}; with idle ${row.gross_cpu_ms_per_request}); load ${row.load.join(' ')}`,
          );
        }
      }
      // throughput at saturation, one server at a time, twice in reversed orders
      for (const order of [targets, [...targets].reverse()])
        for (const t of order) {
          const sat = await load({ url: t.url, next: t.next, connections: CONNECTIONS, warmupS: 1, durationS: DURATION_S, runs: 1 });
          saturated.push({ tracing: t.tracing, kind, rps: sat.rps, p50_ms: sat.p50_ms, p99_ms: sat.p99_ms });
          log(`saturated: tracing ${t.tracing} ${kind}: ${sat.rps} req/s, p50 ${sat.p50_ms} ms, p99 ${sat.p99_ms} ms`);
        }
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }

  const med = (kind: Kind, tracing: string, k: 'cpu_ms_per_request' | 'node_cpu_ms_per_request') =>
    median(cycles.filter((x) => x.kind === kind && x.tracing === tracing).map((x) => x[k]));
  const medRps = (kind: Kind, tracing: string) =>
    median(saturated.filter((x) => x.kind === kind && x.tracing === tracing).map((x) => x.rps));
  const pct = (on: number, off: number) => round((100 * (on - off)) / off, 1);
  /**
   * Each cycle's on-vs-off change, as % of the off window's whole CPU per request (node +
   * PostgreSQL); the windows of a cycle follow each other within seconds. `added` counts the change
   * of the node processes only: tracing runs there, and PostgreSQL runs the same statements either
   * way (only the outbox row's traceparent differs), so what its CPU does between two windows is
   * noise, ±0.5 ms here, more than tracing costs. `postgres` is that change alone, which the run
   * prints as the check: it must be ~0. `total` is both, and `node` the node processes' own change.
   */
  const measures = {
    added: (on: Cycle, off: Cycle) => (on.node_cpu_ms_per_request - off.node_cpu_ms_per_request) / off.cpu_ms_per_request,
    postgres: (on: Cycle, off: Cycle) => (on.pg_cpu_ms_per_request - off.pg_cpu_ms_per_request) / off.cpu_ms_per_request,
    total: (on: Cycle, off: Cycle) => on.cpu_ms_per_request / off.cpu_ms_per_request - 1,
    node: (on: Cycle, off: Cycle) => on.node_cpu_ms_per_request / off.node_cpu_ms_per_request - 1,
  };
  type Measure = keyof typeof measures;
  const changes = (kind: Kind, on: string, m: Measure) => {
    const of = (tracing: string, c: number) => cycles.find((x) => x.kind === kind && x.tracing === tracing && x.cycle === c)!;
    return Array.from({ length: CYCLES }, (_, i) => round(100 * measures[m](of(on, i + 1), of('off', i + 1)), 1));
  };
  /** the median over the cycles of each cycle's change */
  const paired = (kind: Kind, on: string, m: Measure) => median(changes(kind, on, m));
  /** that median's 95 % confidence interval (null: too few cycles) */
  const interval = (kind: Kind, on: string, m: Measure) => medianInterval(changes(kind, on, m));
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${n} %`;
  const range = (ci: [number, number]) => `95 % interval ${signed(ci[0])} … ${signed(ci[1])}`;
  /** the CPU tracing adds against the limit, with its 95 % confidence interval (too few cycles: the median alone) */
  const verdict = (kind: Kind, on: string) => {
    const ci = interval(kind, on, 'added');
    if (!ci) return paired(kind, on, 'added') <= 10 ? 'under the 10 % limit' : 'OVER the 10 % limit';
    if (ci[1] <= 10) return `under the 10 % limit (${range(ci)})`;
    if (ci[0] > 10) return `OVER the 10 % limit (${range(ci)})`;
    return `not resolved: the ${range(ci)} spans the 10 % limit`;
  };
  const keys: Record<string, number> = {};
  const summary: (string | number)[][] = [];
  for (const kind of KINDS) {
    const short = shortOf(kind);
    for (const ratio of RATIOS) {
      const on = `on@${ratio}`;
      const suffix = ratio === '1' ? '' : `_sampled_${ratio.replace('.', '_')}`;
      keys[`tracing_${short}_cpu_added_pct${suffix}`] = paired(kind, on, 'added');
      const ci = interval(kind, on, 'added');
      if (ci && ratio === '1') keys[`tracing_${short}_cpu_added_pct_upper95`] = ci[1];
      keys[`tracing_${short}_pg_cpu_change_pct${suffix}`] = paired(kind, on, 'postgres');
      keys[`tracing_${short}_cpu_overhead_pct${suffix}`] = paired(kind, on, 'total');
      keys[`tracing_${short}_node_cpu_overhead_pct${suffix}`] = paired(kind, on, 'node');
      keys[`tracing_${short}_rps_change_pct${suffix}`] = pct(medRps(kind, on), medRps(kind, 'off'));
    }
    for (const tracing of ['off', ...RATIOS.map((r) => `on@${r}`)])
      summary.push([
        kind,
        tracing,
        med(kind, tracing, 'cpu_ms_per_request'),
        med(kind, tracing, 'node_cpu_ms_per_request'),
        medRps(kind, tracing),
      ]);
  }
  const md = (head: string[], rows: (string | number)[][]) =>
    [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const record: Record_ = {
    mode: 'tracing',
    date: new Date().toISOString(),
    duration_s: (Date.now() - started) / 1000,
    machine: machine(),
    load: loads,
    commands: ['npm run bench:tracing'],
    settings: {
      rate: RATE,
      warmup_s: WARMUP_S,
      warmup_rate: WARMUP_RATE,
      window_s: WINDOW_S,
      duration_s: DURATION_S,
      connections: CONNECTIONS,
      cycles: CYCLES,
      ratios: RATIOS,
      users: USERS,
      tasks: TASKS,
    },
    keys,
    details: {
      'Medians over the cycles': md(['kind', 'tracing', 'CPU ms/request (paced, all)', 'node processes', 'req/s (saturated)'], summary),
      Windows: md(
        ['cycle', 'tracing', 'kind', 'CPU ms/req', 'node', 'PostgreSQL', 'with idle CPU', 'load 1/5/15'],
        cycles.map((x) => [
          x.cycle,
          x.tracing,
          x.kind,
          x.cpu_ms_per_request,
          x.node_cpu_ms_per_request,
          x.pg_cpu_ms_per_request,
          x.gross_cpu_ms_per_request,
          x.load.join(' / '),
        ]),
      ),
      Saturated: md(
        ['tracing', 'kind', 'req/s', 'p50 ms', 'p99 ms'],
        saturated.map((x) => [x.tracing, x.kind, x.rps, x.p50_ms, x.p99_ms]),
      ),
      "Each cycle's change, %": md(
        ['kind', 'tracing', 'added (node, % of all)', 'PostgreSQL (% of all)', 'all (node + PostgreSQL)', 'node processes'],
        KINDS.flatMap((kind) =>
          RATIOS.map((r) => [
            kind,
            `on@${r}`,
            ...(['added', 'postgres', 'total', 'node'] as const).map((m) => changes(kind, `on@${r}`, m).join(' ')),
          ]),
        ),
      ),
      'OTLP bytes exported': String(exported),
    },
  };
  if (!PARTIAL) saveRecord(record);
  console.log(JSON.stringify(keys, null, 2));
  const loads1 = Object.values(loads).map((l) => l[0]);
  console.log(
    [
      '',
      `Tracing overhead: the CPU per request tracing adds to the service's node processes, as % of the whole request's (node + PostgreSQL), paced at ${RATE}/s in interleaved ${WINDOW_S} s windows, on vs off: median of ${CYCLES} cycles' changes (medians of the ms in brackets); PostgreSQL's own change beside it, which should be ~0`,
      ...RATIOS.flatMap((ratio) =>
        KINDS.map((kind) => {
          const short = shortOf(kind);
          const on = `on@${ratio}`;
          const ms = (k: 'cpu_ms_per_request' | 'node_cpu_ms_per_request') => `${med(kind, 'off', k)} → ${med(kind, on, k)}`;
          const pg = interval(kind, on, 'postgres');
          return [
            `  ${short.padEnd(6)} sampling ${ratio.padEnd(4)} ${signed(paired(kind, on, 'added')).padStart(8)}  (node ${ms('node_cpu_ms_per_request')} ms, all ${ms('cpu_ms_per_request')} ms)  ${verdict(kind, on)}`,
            `         PostgreSQL ${signed(paired(kind, on, 'postgres'))}${pg ? ` (${range(pg)})` : ''}; all together ${signed(paired(kind, on, 'total'))}`,
          ].join('\n');
        }),
      ),
      `  load average (1 min) after each kind's warm-up: ${Math.min(...loads1)}–${Math.max(...loads1)} on ${machine().nproc} cores`,
      PARTIAL
        ? `  not saved: a partial run (BENCH_TRACING_KINDS=${KINDS.join(',')})`
        : '  saved: bench/results/tracing.json, BENCHMARKS.md',
    ].join('\n'),
  );
} finally {
  sink.close();
  await rm(work, { recursive: true, force: true });
}
