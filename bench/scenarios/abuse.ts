/**
 * Issue 11's abuse cases against the built service (`node dist/src/main.js`, its own data dir):
 * while each runs, a probe measures `/healthz` — the request of a user who did nothing.
 *
 * - search: 8 parallel `q=zzz` searches on a 30k-task account
 * - rrule: 4 parallel creates with the pathological RRULE (refused with 422; 4 users, so the write
 *   rate limit is not what stops them)
 * - hourly_1500: completions of `FREQ=HOURLY` tasks due in 1500 (legacy rows, written past the API,
 *   which now refuses such dates)
 * - sse: 100 SSE clients that never read (20 users × 5 streams, the most the per-user cap admits),
 *   while 3,000 creates (150 per user, 4,000-character descriptions) produce events for them
 *
 * Keys: `healthz_p99_ms_under_abuse` (the worst case's p99) and `rss_mb_sse_slow_readers` (growth
 * of the server's memory over the SSE case: PSS of the whole process tree — primary, HTTP workers,
 * embedded PostgreSQL — as the other memory keys count it). Run alone: `npm run build && node --import tsx bench/scenarios/abuse.ts`
 * (BENCH_QUICK=1 for shorter cases).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { openEmbeddedDatabase } from '../../src/db/embedded-postgres.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { call, mintSessions } from '../lib/api.js';
import { loadAvg, treePssMb } from '../lib/machine.js';
import { startServer } from '../lib/proc.js';
import { analyze, REALISTIC, seedTasks, seedUsers } from '../lib/seed.js';
import { QUICK } from '../lib/settings.js';
import { log, percentile, round, sleep } from '../lib/util.js';
import { nonReadingStream } from '../../test/support/util.js';

const CASE_S = QUICK ? 5 : 10;
const DAYS = Array.from({ length: 15 }, (_, i) => i + 1).join(',');
const HOURS = Array.from({ length: 24 }, (_, i) => i).join(',');
export const PATHOLOGICAL_RRULE = `FREQ=YEARLY;BYSETPOS=-366;BYYEARDAY=${DAYS};BYHOUR=${HOURS}`;

export interface AbuseCase {
  healthz_p50_ms: number;
  healthz_p99_ms: number;
  healthz_max_ms: number;
  probes: number;
  /** what the abusing requests got back, by status */
  statuses: Record<string, number>;
  load: [number, number, number];
}

/** Runs every case on a fresh server under `work`; returns the keys and fills `details`. */
export async function abuseBench(work: string, details: Record<string, unknown>): Promise<Record<string, number>> {
  const dataDir = path.join(work, 'abuse');
  const secret = randomBytes(32).toString('hex');
  const searcher = 'abuse-search';
  const sseUsers = Array.from({ length: 20 }, (_, i) => `abuse-sse-${i}`);
  const rruleUsers = Array.from({ length: 4 }, (_, i) => `abuse-rrule-${i}`);
  const legacy = 'abuse-legacy';
  {
    const h = await openEmbeddedDatabase(dataDir);
    await migrateToLatest(h.db);
    await seedUsers(h.db, [searcher, legacy, ...sseUsers, ...rruleUsers]);
    await seedTasks(h.db, { userIds: [searcher], count: 30_000, profile: REALISTIC });
    await seedTasks(h.db, { userIds: [legacy], count: 200, profile: REALISTIC });
    // tasks an older version let through: HOURLY, due (and series start) in 1500
    await sql`UPDATE tasks SET completed = false, completed_at = NULL, recurrence = 'FREQ=HOURLY', recurrence_basis = 'due_date',
                due_date = '1500-01-01T00:00:00Z', series_start = '1500-01-01T00:00:00Z', series_id = gen_random_uuid(), series_index = 0
              WHERE user_id = ${legacy}`.execute(h.db);
    await analyze(h.db);
    await h.close();
  }
  const server = await startServer({ dataDir, env: { AUTH_SECRET: secret } });
  const cases: Record<string, AbuseCase> = {};
  let rssGrowth: number;
  try {
    const [search] = await mintSessions(secret, [searcher]);
    const [old] = await mintSessions(secret, [legacy]);
    const rrule = await mintSessions(secret, rruleUsers);
    const sse = await mintSessions(secret, sseUsers);
    const legacyIds = (await call<{ id: number }[]>(server.url, 'GET', `/api/${legacy}/tasks?limit=200`, old!.token)).body.map((t) => t.id);

    cases.idle = await underLoad(server.url, async () => ({}));
    cases.search = await underLoad(server.url, (until) =>
      parallel(8, until, () => call(server.url, 'GET', `/api/${searcher}/tasks?q=zzz&limit=50`, search!.token)),
    );
    cases.rrule = await underLoad(server.url, (until) =>
      parallel(4, until, (i) =>
        call(server.url, 'POST', `/api/${rrule[i]!.userId}/tasks`, rrule[i]!.token, {
          title: 'pathological',
          due_date: '2030-01-01T09:00:00Z',
          recurrence: PATHOLOGICAL_RRULE,
        }),
      ),
    );
    cases.hourly_1500 = await underLoad(server.url, async (until) => {
      const statuses: Record<string, number> = {};
      for (const id of legacyIds) {
        if (Date.now() > until) break;
        const r = await call(server.url, 'PATCH', `/api/${legacy}/tasks/${id}/complete`, old!.token, { completed: true });
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        await sleep(20); // the work is in the consumer, after the response: give it room to show
      }
      return statuses;
    });
    // 3,000 creates (150 for each of 20 users, 4,000-character descriptions, 16 at a time)
    const description = 'x'.repeat(4000);
    const creates = (tag: string) => async () => {
      const statuses: Record<string, number> = {};
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let i = next++; i < 3000; i = next++) {
            const u = sse[i % sse.length]!;
            const r = await call(server.url, 'POST', `/api/${u.userId}/tasks`, u.token, { title: `${tag}${i}`, description });
            statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          }
        }),
      );
      await sleep(2000); // let the events reach the streams
      return statuses;
    };
    const growth = async (run: () => Promise<AbuseCase>) => {
      const before = treePssMb(server.pid);
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, treePssMb(server.pid))), 100);
      const result = await run();
      clearInterval(sampler);
      return { result, before, peak };
    };
    // the same creates without any stream first: what the creates alone cost
    const baseline = await growth(() => underLoad(server.url, creates('b')));
    let sockets: net.Socket[] = [];
    let extra = 0;
    const slow = await growth(async () => {
      sockets = (await Promise.all(sse.map((u) => Promise.all(Array.from({ length: 5 }, () => nonReadingStream(server.url, u)))))).flat();
      // a sixth stream of one of them: the per-user cap answers 429 — per process, so with several
      // HTTP workers it may land on one that has room (200, then dropped)
      const sixth = await fetch(`${server.url}/api/${sse[0]!.userId}/stream`, {
        headers: { authorization: `Bearer ${sse[0]!.token}` },
      }).catch(() => null);
      extra = sixth?.status ?? 0;
      await sixth?.body?.cancel().catch(() => undefined);
      return underLoad(server.url, creates('s'));
    });
    cases.creates_without_streams = baseline.result;
    cases.sse = slow.result;
    rssGrowth = slow.peak - slow.before;
    details['Abuse: open SSE streams that never read (memory: PSS of the server process tree, MB)'] = {
      clients: sockets.length,
      sixth_stream_of_a_user: extra,
      without_streams: { before: baseline.before, peak: baseline.peak, growth: round(baseline.peak - baseline.before, 1) },
      with_100_slow_readers: { before: slow.before, peak: slow.peak, growth: round(slow.peak - slow.before, 1) },
    };
    for (const s of sockets) s.destroy();
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  details['Abuse: /healthz while each case runs (ms)'] = cases;
  const worst = Math.max(
    ...Object.entries(cases).flatMap(([k, c]) => (k === 'idle' || k === 'creates_without_streams' ? [] : [c.healthz_p99_ms])),
  );
  return { healthz_p99_ms_under_abuse: worst, rss_mb_sse_slow_readers: round(rssGrowth, 1) };
}

/** Runs `abuse` for CASE_S seconds while a probe GETs /healthz every 20 ms. */
async function underLoad(url: string, abuse: (until: number) => Promise<Record<string, number>>): Promise<AbuseCase> {
  const until = Date.now() + CASE_S * 1000;
  const samples: number[] = [];
  let on = true;
  const probe = (async () => {
    while (on) {
      const t0 = performance.now();
      await fetch(`${url}/healthz`).then((r) => r.arrayBuffer());
      samples.push(performance.now() - t0);
      await sleep(20);
    }
  })();
  const statuses = await abuse(until);
  while (Date.now() < until) await sleep(50);
  on = false;
  await probe;
  return {
    healthz_p50_ms: round(percentile(samples, 50), 1),
    healthz_p99_ms: round(percentile(samples, 99), 1),
    healthz_max_ms: round(Math.max(...samples), 1),
    probes: samples.length,
    statuses,
    load: loadAvg(),
  };
}

/** `n` loops calling `one` until the deadline; counts the statuses. */
async function parallel(n: number, until: number, one: (i: number) => Promise<{ status: number }>): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      while (Date.now() < until) {
        const r = await one(i);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      }
    }),
  );
  return statuses;
}

// run alone: node --import tsx bench/scenarios/abuse.ts
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const work = await mkdtemp(path.join(tmpdir(), 'taskstream-abuse-'));
  const details: Record<string, unknown> = {};
  try {
    const load = loadAvg();
    const keys = await abuseBench(work, details);
    log(JSON.stringify({ keys, load_before: load, load_after: loadAvg(), details }, null, 2));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
