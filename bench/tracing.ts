/**
 * `npm run bench:tracing`: what OpenTelemetry tracing costs, in `npm run bench` terms (the built
 * service, `node --import ./dist/src/tracing/register.js dist/src/main.js`, the embedded mode, the
 * same create and list-with-search requests). One server per mode (tracing off, and on at each
 * sampling ratio), each on its own copy of the same data, all running at once; with tracing on
 * every span is exported over OTLP/HTTP (protobuf) to a sink in this process that discards it, so
 * the cost includes the SDK's batching and serialisation.
 *
 * Two measures per server and request kind:
 *  - CPU per request at a fixed pace (BENCH_TRACING_RATE req/s, well below what either mode serves),
 *    the servers paced side by side, so that they share the machine's other work alike: the CPU
 *    time the server's processes spent (read from /proc: the primary and its workers, and
 *    PostgreSQL apart), less what they spend idle (measured just before: the lower of two 2 s
 *    windows), divided by the requests. The pace is the same in every mode, so group commit
 *    batches alike. The overhead keys are the medians of these over the rounds.
 *  - throughput at saturation (BENCH_TRACING_CONNECTIONS connections, BENCH_TRACING_DURATION_S),
 *    one server at a time, in the reverse order every other round: req/s and latency, which a
 *    loaded machine makes noisy.
 *
 * Tracing on is measured at each sampling ratio of BENCH_TRACING_RATIOS (parent-based trace-id
 * ratio sampler, OTEL_TRACES_SAMPLER_ARG): 1 records every request, 0.1 one in ten. Writes
 * bench/results/tracing.json and re-renders BENCHMARKS.md.
 *
 * Each paced run follows a warm-up of BENCH_TRACING_WARMUP_S at 4× the pace (not measured): the
 * servers' steady state, not their first requests.
 *
 * Env: BENCH_TRACING_RATE (25), BENCH_TRACING_WARMUP_S (10), BENCH_TRACING_PACED_S (12), BENCH_TRACING_DURATION_S (6),
 * BENCH_TRACING_CONNECTIONS (16), BENCH_TRACING_ROUNDS (3), BENCH_TRACING_RATIOS ("1,0.1").
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
import { saveRecord } from './lib/report.js';
import { analyze, REALISTIC, seedTasks, seedUsers } from './lib/seed.js';
import { load } from './lib/load.js';
import { log, median, rng, round, sleep } from './lib/util.js';
import { createRequest, listRequest } from './scenarios/http.js';

const RATE = Number(process.env.BENCH_TRACING_RATE ?? 25);
const PACED_S = Number(process.env.BENCH_TRACING_PACED_S ?? 12);
const DURATION_S = Number(process.env.BENCH_TRACING_DURATION_S ?? 6);
const CONNECTIONS = Number(process.env.BENCH_TRACING_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_TRACING_ROUNDS ?? 3);
const RATIOS = (process.env.BENCH_TRACING_RATIOS ?? '1,0.1').split(',').map((r) => r.trim());
const WARMUP_S = Number(process.env.BENCH_TRACING_WARMUP_S ?? 10);
/** 4× the pace: ~10 requests per user, so every process has seen every user */
const WARMUP_RATE = RATE * 4;
const IDLE_MS = 4000;
const USERS = 100;
const TASKS = 10_000;
const KINDS = ['create', 'list_search'] as const;
type Kind = (typeof KINDS)[number];

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

const TRACING_ON = {
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
};

const comm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

interface Round {
  /** 'off', or 'on@<sampling ratio>' */
  tracing: string;
  round: number;
  kind: Kind;
  /** paced: CPU ms per request of the node processes (primary + workers) and of PostgreSQL, idle CPU taken off */
  cpu_ms_per_request: number;
  /** paced, idle CPU included */
  gross_cpu_ms_per_request: number;
  node_cpu_ms_per_request: number;
  pg_cpu_ms_per_request: number;
  paced_requests: number;
  /** saturated */
  rps: number;
  p50_ms: number;
  p99_ms: number;
  load: [number, number, number];
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

/**
 * A fixed number of requests at a fixed pace, against every server at once; each server's CPU per
 * request, node and PostgreSQL apart. Side by side, the servers share whatever else the machine
 * runs at that moment (a shared machine's load moves by a factor of 3 within minutes, and CPU time
 * per request with it), so the comparison is between equals. What the processes burn when idle
 * (timers, the relay's polls, PostgreSQL's background work), measured just before, is taken off:
 * what is left is each request's own cost.
 */
async function pacedTogether(targets: { url: string; pid: number; next: () => Request; warmup: () => Request }[]) {
  const groupsOf = (pid: number) => {
    const tree = () => [pid, ...descendants(pid)];
    return {
      node: () => tree().filter((p) => comm(p) !== 'postgres'),
      postgres: () => tree().filter((p) => comm(p) === 'postgres'),
    };
  };
  const groups = targets.map((t) => groupsOf(t.pid));
  // warm-up, not measured: a fresh server's first requests compile code and fill per-process
  // caches (a user's row and Inbox checked once per process) — and with tracing on, those first
  // requests' extra queries are recorded as spans too. The measured requests are the steady state.
  await Promise.all(targets.map((t) => paced(t.url, WARMUP_RATE, WARMUP_S, t.warmup)));
  await sleep(2000); // the previous run's events are still being relayed and consumed
  // idle CPU per ms, the lower of two windows: a backlog of the saturated run before (its relay
  // and consumers) still draining in the first would be taken off this run's requests
  const idleRate = targets.map(() => ({ node: Infinity, postgres: Infinity }));
  for (let w = 0; w < 2; w++) {
    const idle = groups.map((g) => cpuMeter(g));
    await sleep(IDLE_MS / 2);
    idle.forEach((m, i) => {
      const r = m.stop();
      for (const g of ['node', 'postgres'] as const) idleRate[i]![g] = Math.min(idleRate[i]![g], r.cpu_ms[g]! / r.wall_ms);
    });
  }
  const meters = groups.map((g) => cpuMeter(g));
  const results = await Promise.all(targets.map((t) => paced(t.url, RATE, PACED_S, t.next)));
  // the events of the last requests are still being relayed and consumed: count their CPU too
  await sleep(500);
  const busy = meters.map((m) => m.stop());
  return results.map((res, i) => {
    if (res.non2xx || res.errors) throw new Error(`paced run: ${res.non2xx} non-2xx, ${res.errors} errors`);
    const n = Math.max(1, res.requests.total);
    const b = busy[i]!;
    const own = (g: 'node' | 'postgres') => Math.max(0, b.cpu_ms[g]! - idleRate[i]![g] * b.wall_ms) / n;
    return { requests: n, node: own('node'), postgres: own('postgres'), gross: (b.cpu_ms.node! + b.cpu_ms.postgres!) / n };
  });
}

const rounds: Round[] = [];
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
  // each server its own copy of the data (its own PostgreSQL), so that they can run side by side
  const dataOf = (tracing: string) => path.join(work, `data-${tracing}`);
  for (const tracing of modes) await cp(dataDir, dataOf(tracing), { recursive: true });
  for (let round_ = 1; round_ <= ROUNDS; round_++) {
    const order = round_ % 2 ? modes : [...modes].reverse();
    const servers = await Promise.all(
      order.map((tracing) => {
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
    loads[`round ${round_}`] = loadAvg();
    try {
      for (const kind of KINDS) {
        // the same requests for every server
        const requests = (seed: number) => {
          const r = rng(seed);
          return () => (kind === 'create' ? createRequest(r, sessions) : listRequest(r, sessions));
        };
        const generator = () => requests(kind === 'create' ? 7 + round_ : 11 + round_);
        const cpus = await pacedTogether(
          servers.map((s) => ({ url: s.url, pid: s.pid, next: generator(), warmup: requests(1000 + round_) })),
        );
        // throughput one server at a time (in this round's order), the others idle
        for (const [i, tracing] of order.entries()) {
          const cpu = cpus[i]!;
          const sat = await load({
            url: servers[i]!.url,
            next: generator(),
            connections: CONNECTIONS,
            warmupS: 1,
            durationS: DURATION_S,
            runs: 1,
          });
          const row: Round = {
            tracing,
            round: round_,
            kind,
            cpu_ms_per_request: round(cpu.node + cpu.postgres, 3),
            gross_cpu_ms_per_request: round(cpu.gross, 3),
            node_cpu_ms_per_request: round(cpu.node, 3),
            pg_cpu_ms_per_request: round(cpu.postgres, 3),
            paced_requests: cpu.requests,
            rps: sat.rps,
            p50_ms: sat.p50_ms,
            p99_ms: sat.p99_ms,
            load: loadAvg(),
          };
          rounds.push(row);
          log(
            `round ${round_} tracing ${tracing} ${kind}: paced ${RATE}/s: ${row.cpu_ms_per_request} ms CPU/request (node ${row.node_cpu_ms_per_request}, pg ${row.pg_cpu_ms_per_request}; with idle ${row.gross_cpu_ms_per_request}); saturated: ${row.rps} req/s, p50 ${row.p50_ms} ms; load ${row.load.join(' ')}`,
          );
        }
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  }

  const med = (kind: Kind, tracing: string, k: 'cpu_ms_per_request' | 'node_cpu_ms_per_request' | 'rps') =>
    median(rounds.filter((x) => x.kind === kind && x.tracing === tracing).map((x) => x[k]));
  const pct = (on: number, off: number) => round((100 * (on - off)) / off, 1);
  /** the servers of a round ran side by side: the median over the rounds of each round's on-vs-off change */
  const paired = (kind: Kind, on: string, k: 'cpu_ms_per_request' | 'node_cpu_ms_per_request' | 'rps') => {
    const of = (tracing: string, r: number) => rounds.find((x) => x.kind === kind && x.tracing === tracing && x.round === r)![k];
    return median(Array.from({ length: ROUNDS }, (_, i) => pct(of(on, i + 1), of('off', i + 1))));
  };
  const keys: Record<string, number> = {};
  const summary: (string | number)[][] = [];
  for (const kind of KINDS) {
    const short = kind === 'create' ? 'create' : 'list';
    for (const ratio of RATIOS) {
      const on = `on@${ratio}`;
      const suffix = ratio === '1' ? '' : `_sampled_${ratio.replace('.', '_')}`;
      keys[`tracing_${short}_cpu_overhead_pct${suffix}`] = paired(kind, on, 'cpu_ms_per_request');
      keys[`tracing_${short}_node_cpu_overhead_pct${suffix}`] = paired(kind, on, 'node_cpu_ms_per_request');
      keys[`tracing_${short}_rps_change_pct${suffix}`] = paired(kind, on, 'rps');
    }
    for (const tracing of ['off', ...RATIOS.map((r) => `on@${r}`)])
      summary.push([
        kind,
        tracing,
        med(kind, tracing, 'cpu_ms_per_request'),
        med(kind, tracing, 'node_cpu_ms_per_request'),
        med(kind, tracing, 'rps'),
      ]);
  }
  const md = (head: string[], rows: (string | number)[][]) =>
    [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  saveRecord({
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
      paced_s: PACED_S,
      duration_s: DURATION_S,
      connections: CONNECTIONS,
      rounds: ROUNDS,
      ratios: RATIOS,
      users: USERS,
      tasks: TASKS,
    },
    keys,
    details: {
      'Medians over the rounds': md(['kind', 'tracing', 'CPU ms/request (paced, all)', 'node processes', 'req/s (saturated)'], summary),
      Rounds: md(
        ['round', 'tracing', 'kind', 'CPU ms/req', 'node', 'PostgreSQL', 'with idle CPU', 'req/s', 'p50 ms', 'p99 ms', 'load 1/5/15'],
        rounds.map((x) => [
          x.round,
          x.tracing,
          x.kind,
          x.cpu_ms_per_request,
          x.node_cpu_ms_per_request,
          x.pg_cpu_ms_per_request,
          x.rps,
          x.p50_ms,
          x.p99_ms,
          x.load.join(' / '),
        ]),
      ),
      'OTLP bytes exported': String(exported),
    },
  });
  console.log(JSON.stringify(keys, null, 2));
  const loads1 = Object.values(loads).map((l) => l[0]);
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${n} %`;
  const verdict = (n: number) => (n <= 10 ? 'under the 10 % limit' : 'OVER the 10 % limit');
  console.log(
    [
      '',
      `Tracing overhead: CPU per request of the service (node + PostgreSQL), paced at ${RATE}/s side by side, on vs off: median of ${ROUNDS} rounds' changes (medians of the ms in brackets)`,
      ...RATIOS.flatMap((ratio) => {
        const suffix = ratio === '1' ? '' : `_sampled_${ratio.replace('.', '_')}`;
        return KINDS.map((kind) => {
          const short = kind === 'create' ? 'create' : 'list';
          const pctKey = keys[`tracing_${short}_cpu_overhead_pct${suffix}`]!;
          const off = med(kind, 'off', 'cpu_ms_per_request');
          const on = med(kind, `on@${ratio}`, 'cpu_ms_per_request');
          return `  ${short.padEnd(6)} sampling ${ratio.padEnd(4)} ${signed(pctKey).padStart(8)}  (${off} → ${on} ms)${ratio === '1' ? `  ${verdict(pctKey)}` : ''}`;
        });
      }),
      `  load average (1 min) at the rounds' starts: ${Math.min(...loads1)}–${Math.max(...loads1)} on ${machine().nproc} cores`,
      '  saved: bench/results/tracing.json, BENCHMARKS.md',
    ].join('\n'),
  );
} finally {
  sink.close();
  await rm(work, { recursive: true, force: true });
}
