/**
 * Reads of one large account: the first 50-task page of a user with 10k tasks (the list a heavy
 * user opens all day) and a keyword search that matches nothing on a user with 30k tasks (the
 * worst case of the search: every candidate must be ruled out); and the organizing views of
 * issue 13 for the 10k-task user: Today (open tasks due before the end of today, overdue
 * included, by due date) and a project page (its Inbox, which holds all 10k: top level in
 * manual order).
 *   list_page_rps_10k_c16, list_page_p99_ms_10k_c64, search_p50_ms_30k,
 *   today_rps_10k_c16, project_page_rps_10k_c16
 */
import { openEmbeddedDatabase } from '../../src/db/embedded-postgres.js';
import type { Db } from '../../src/db/types.js';
import type { Session } from '../lib/api.js';
import { cpuMeter, type Groups } from '../lib/cpu.js';
import { load, type LoadResult } from '../lib/load.js';
import { analyze, REALISTIC, seedTasks, seedUsers } from '../lib/seed.js';
import { log } from '../lib/util.js';

export const BIG_10K = 'bench-big-10k';
export const BIG_30K = 'bench-big-30k';

/**
 * A data directory for the large-account runs outside the full bench (bench/big-user-run.ts,
 * bench/request-cost.ts): the big users beside 20k tasks of 200 others, vacuumed and analysed.
 */
export async function largeAccountDataSet(dataDir: string): Promise<void> {
  const h = await openEmbeddedDatabase(dataDir);
  const others = Array.from({ length: 200 }, (_, i) => `bench-o${i}`);
  await seedUsers(h.db, others);
  await seedTasks(h.db, { userIds: others, count: 20_000, profile: REALISTIC });
  await seedBigUsers(h.db);
  await analyze(h.db);
  await h.close();
}

export async function seedBigUsers(db: Db): Promise<void> {
  await seedUsers(db, [BIG_10K, BIG_30K]);
  await seedTasks(db, { userIds: [BIG_10K], count: 10_000, profile: REALISTIC, seed: 0.1 });
  await seedTasks(db, { userIds: [BIG_30K], count: 30_000, profile: REALISTIC, seed: 0.2 });
}

export interface BigUserResults {
  list_page: LoadResult[];
  search_miss: LoadResult[];
  today: LoadResult[];
  project_page: LoadResult[];
}

export async function bigUserSuite(o: {
  url: string;
  /** process groups whose CPU is counted during each measured run */
  cpu?: Groups;
  sessions: { big10k: Session; big30k: Session };
  warmupS: number;
  durationS: number;
  runs: number;
}): Promise<BigUserResults> {
  const get = (s: Session, query: string) => () => ({
    method: 'GET' as const,
    path: `/api/${s.userId}/tasks?${query}`,
    headers: { authorization: `Bearer ${s.token}` },
  });
  const run = async (label: string, next: ReturnType<typeof get>, connections: number) =>
    load({
      url: o.url,
      next,
      connections,
      warmupS: o.warmupS,
      durationS: o.durationS,
      runs: o.runs,
      probe: o.cpu ? () => cpuMeter(o.cpu!) : undefined,
      onRun: (i, s) =>
        log(`${label} c=${connections} run ${i + 1}: ${s.rps} req/s, p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms, non2xx ${s.non2xx}`),
    });
  const page = get(o.sessions.big10k, 'limit=50');
  const miss = get(o.sessions.big30k, 'q=zzz&limit=50');
  const today = get(o.sessions.big10k, 'view=today&sort=due_date&limit=50');
  const inbox = await inboxOf(o.url, o.sessions.big10k);
  const project = get(o.sessions.big10k, `project_id=${inbox}&top_level=true&sort=position&limit=50`);
  return {
    list_page: [await run('list page 10k', page, 16), await run('list page 10k', page, 64)],
    search_miss: [await run('search q=zzz 30k', miss, 1), await run('search q=zzz 30k', miss, 16)],
    today: [await run('today 10k', today, 16)],
    project_page: [await run('project page 10k', project, 16)],
  };
}

/** The id of a user's Inbox (the project that holds a seeded user's tasks). */
async function inboxOf(url: string, s: Session): Promise<number> {
  const res = await fetch(`${url}/api/${s.userId}/projects`, { headers: { authorization: `Bearer ${s.token}` } });
  const projects = (await res.json()) as { id: number; inbox: boolean }[];
  const inbox = projects.find((p) => p.inbox);
  if (!inbox) throw new Error(`no Inbox for ${s.userId}: ${res.status}`);
  return inbox.id;
}
