/**
 * `node --import tsx bench/big-user-run.ts` (after `npm run build`): only the large-account reads
 * of bench/scenarios/big-user.ts — the 10k-task user's first page, Today and project page, the
 * 30k-task user's search — against `node dist/src/main.js` on a fresh data set (the big users
 * beside 20k tasks of 200 others). A short check of those keys while developing; prints them
 * with the load average, stores nothing (`npm run bench` records the full suite).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mintSessions } from './lib/api.js';
import { loadAvg } from './lib/machine.js';
import { descendants, serverCpuMs } from './lib/cpu.js';
import { startServer } from './lib/proc.js';
import { log } from './lib/util.js';
import { BIG_10K, BIG_30K, bigUserSuite, largeAccountDataSet } from './scenarios/big-user.js';

const work = await mkdtemp(path.join(tmpdir(), 'taskstream-big-user-'));
const dataDir = path.join(work, 'data');
const secret = randomBytes(32).toString('hex');
try {
  await largeAccountDataSet(dataDir);
  const server = await startServer({ dataDir, env: { AUTH_SECRET: secret } });
  try {
    const [big10k, big30k] = await mintSessions(secret, [BIG_10K, BIG_30K]);
    const before = loadAvg();
    const opts = {
      url: server.url,
      sessions: { big10k: big10k!, big30k: big30k! },
      // the server's whole tree (primary, workers, PostgreSQL): CPU per request tells builds apart on a busy machine
      cpu: { server: () => [server.pid, ...descendants(server.pid)] },
      warmupS: Number(process.env.WARMUP_S ?? 2),
      durationS: Number(process.env.DURATION_S ?? 5),
      runs: Number(process.env.RUNS ?? 3),
    };
    if (process.env.WARM_PASS === '1') await bigUserSuite({ ...opts, runs: 1, durationS: 3 });
    const r = await bigUserSuite(opts);
    const keys = {
      list_page_rps_10k_c16: r.list_page[0]!.rps,
      list_page_p99_ms_10k_c64: r.list_page[1]!.p99_ms,
      search_p50_ms_30k: r.search_miss[0]!.p50_ms,
      today_rps_10k_c16: r.today[0]!.rps,
      today_p99_ms_10k_c16: r.today[0]!.p99_ms,
      project_page_rps_10k_c16: r.project_page[0]!.rps,
      project_page_p99_ms_10k_c16: r.project_page[0]!.p99_ms,
    };
    const cpuPerRequest = {
      list_page_c16: serverCpuMs(r.list_page[0]!),
      today_c16: serverCpuMs(r.today[0]!),
      project_page_c16: serverCpuMs(r.project_page[0]!),
    };
    log(JSON.stringify({ keys, server_cpu_ms_per_request: cpuPerRequest, load_before: before, load_after: loadAvg() }, null, 2));
  } finally {
    await server.stop();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
