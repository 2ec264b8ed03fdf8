/**
 * `node --import tsx bench/writes-run.ts` (after `npm run build`): only the write scenarios of
 * `npm run bench` — complete (toggle) and create over HTTP, 64 connections by default — against
 * `node dist/src/main.js` on a fresh data set (20k tasks of 1k users). A short check of
 * `embedded_create_rps`, `embedded_create_p99_ms` and `embedded_complete_rps` while developing;
 * prints them with the load average and the server's CPU per request, stores nothing.
 *
 * `SERVER_ROOT=<checkout>` runs another build's `dist/` (its own `npm run build`) on the same
 * kind of data set, so two builds can be alternated on a busy machine. `CONNECTIONS=1,64`,
 * `KINDS=create`, `RUNS`, `DURATION_S`, `WARMUP_S` narrow or widen the run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openEmbeddedDatabase } from '../src/db/embedded-postgres.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { mintSessions } from './lib/api.js';
import { loadAvg } from './lib/machine.js';
import { descendants, serverCpuMs } from './lib/cpu.js';
import { startServer } from './lib/proc.js';
import { analyze, REALISTIC, seedTasks, seedUsers } from './lib/seed.js';
import { log } from './lib/util.js';
import { httpSuite, type HttpKind } from './scenarios/http.js';

const work = await mkdtemp(path.join(tmpdir(), 'taskstream-writes-'));
const dataDir = path.join(work, 'data');
const secret = randomBytes(32).toString('hex');
const users = Array.from({ length: 1000 }, (_, i) => `bench-u${String(i + 1).padStart(4, '0')}`);
const kinds = (process.env.KINDS ?? 'complete,create').split(',') as HttpKind[];
try {
  const tasks = new Map<string, number[]>();
  {
    const h = await openEmbeddedDatabase(dataDir);
    await migrateToLatest(h.db);
    await seedUsers(h.db, users);
    await seedTasks(h.db, { userIds: users, count: 20_000, profile: REALISTIC });
    await analyze(h.db);
    const rows = await sql<{ user_id: string; id: number }>`SELECT user_id, id FROM tasks WHERE id % 5 = 0`.execute(h.db);
    for (const r of rows.rows) tasks.set(r.user_id, [...(tasks.get(r.user_id) ?? []), r.id]);
    await h.close();
  }
  const server = await startServer({ dataDir, env: { AUTH_SECRET: secret }, root: process.env.SERVER_ROOT });
  try {
    const sessions = await mintSessions(secret, users);
    const before = loadAvg();
    const r = await httpSuite(
      {
        url: server.url,
        sessions,
        tasks,
        connections: (process.env.CONNECTIONS ?? '64').split(',').map(Number),
        warmupS: Number(process.env.WARMUP_S ?? 2),
        durationS: Number(process.env.DURATION_S ?? 5),
        runs: Number(process.env.RUNS ?? 3),
        // the server's whole tree (primary, workers, PostgreSQL): CPU per request tells builds apart on a busy machine
        cpu: { server: () => [server.pid, ...descendants(server.pid)] },
      },
      kinds,
    );
    const summary = Object.fromEntries(
      kinds.flatMap((k) =>
        (r[k] ?? []).map((res) => [
          `${k}_c${res.connections}`,
          { rps: res.rps, p50_ms: res.p50_ms, p99_ms: res.p99_ms, non2xx: res.non2xx, server_cpu_ms_per_request: serverCpuMs(res) },
        ]),
      ),
    );
    log(JSON.stringify({ server_root: process.env.SERVER_ROOT ?? '.', summary, load_before: before, load_after: loadAvg() }, null, 2));
  } finally {
    await server.stop();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
