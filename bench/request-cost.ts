/**
 * `node --import tsx bench/request-cost.ts` (after `npm run build`): where the CPU of one request
 * goes, per process group — the app's Node processes, PostgreSQL, and the load generator (this
 * process) — for the cheapest answers beside the 10k-task list page: `/healthz` (no user, no
 * query), GET …/preferences (a signed-in user, one small query) and the page. On 2 cores the
 * machine serves at most 2000 ms / (sum of the three) requests a second, whatever the concurrency:
 * this says which part bounds a throughput target. Same data set as bench/big-user-run.ts; prints,
 * stores nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mintSessions } from './lib/api.js';
import { cpuMeter, descendants, pidsByName } from './lib/cpu.js';
import { load } from './lib/load.js';
import { loadAvg } from './lib/machine.js';
import { startServer } from './lib/proc.js';
import { log, median } from './lib/util.js';
import { BIG_10K, largeAccountDataSet } from './scenarios/big-user.js';

const CONNECTIONS = 16;

const work = await mkdtemp(path.join(tmpdir(), 'taskstream-request-cost-'));
const dataDir = path.join(work, 'data');
const secret = randomBytes(32).toString('hex');
try {
  await largeAccountDataSet(dataDir);
  const server = await startServer({ dataDir, env: { AUTH_SECRET: secret } });
  try {
    const [me] = await mintSessions(secret, [BIG_10K]);
    const headers = { authorization: `Bearer ${me!.token}` };
    const tree = () => [server.pid, ...descendants(server.pid)];
    const postgres = new Set<number>();
    const groups = {
      node: () => tree().filter((p) => !postgres.has(p)),
      postgres: () => tree().filter((p) => postgres.has(p)),
    };
    const cases = {
      healthz: '/healthz',
      preferences: `/api/${me!.userId}/preferences`,
      list_page_10k: `/api/${me!.userId}/tasks?limit=50`,
    };
    const before = loadAvg();
    const table: Record<string, unknown> = {};
    for (const [name, p] of Object.entries(cases)) {
      const r = await load({
        url: server.url,
        next: () => ({ method: 'GET', path: p, headers }),
        connections: CONNECTIONS,
        warmupS: 2,
        durationS: Number(process.env.DURATION_S ?? 5),
        runs: Number(process.env.RUNS ?? 3),
        probe: () => {
          for (const pid of pidsByName('postgres')) postgres.add(pid);
          return cpuMeter(groups);
        },
      });
      // CPU ms per request of each group, the median over the runs
      const per = (group: string) =>
        median(r.runs.map((run) => ((run.probe as { cpu_ms: Record<string, number> }).cpu_ms[group] ?? NaN) / run.requests));
      const node = per('node');
      const pg = per('postgres');
      const client = per('load generator (bench process)');
      table[name] = {
        rps: r.rps,
        p99_ms: r.p99_ms,
        cpu_ms_per_request: { node: round3(node), postgres: round3(pg), load_generator: round3(client) },
        ceiling_rps_2_cores: Math.round(2000 / (node + pg + client)),
        non2xx: r.non2xx,
      };
      log(`${name}: ${JSON.stringify(table[name])}`);
    }
    log(JSON.stringify({ connections: CONNECTIONS, cases: table, load_before: before, load_after: loadAvg() }, null, 2));
  } finally {
    await server.stop();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
