/**
 * Developer tool for profiling one scenario (not part of `npm run bench`):
 *   node --import tsx bench/dev.ts seed <dir> [tasks]        build a data dir with the bench data set
 *   node --import tsx bench/dev.ts load <url> <secret> <kind> <connections> <seconds>
 *      kind: create | list_search | complete (against a server started on that data dir with AUTH_SECRET=<secret>)
 */
import { openDatabase } from '../src/db/connect.js';
import { openEmbeddedDatabase } from '../src/db/embedded-postgres.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { mintSessions } from './lib/api.js';
import { load } from './lib/load.js';
import { analyze, REALISTIC, seedTasks, seedUsers } from './lib/seed.js';
import { log, rng } from './lib/util.js';
import { completeRequest, createRequest, listRequest } from './scenarios/http.js';

const [cmd, ...args] = process.argv.slice(2);
const users = (n: number) => Array.from({ length: n }, (_, i) => `bench-u${String(i + 1).padStart(4, '0')}`);

if (cmd === 'seed') {
  const [dir, n = '100000'] = args;
  const h = process.env.BENCH_DATABASE_URL ? await openDatabase({ url: process.env.BENCH_DATABASE_URL }) : await openEmbeddedDatabase(dir!);
  await migrateToLatest(h.db);
  const ids = users(1000);
  await seedUsers(h.db, ids);
  await seedTasks(h.db, { userIds: ids, count: Number(n), profile: REALISTIC, onProgress: (d) => log(`${d} tasks`) });
  await analyze(h.db);
  await h.close();
} else if (cmd === 'load') {
  const [url, secret, kind, c, s] = args;
  const sessions = await mintSessions(secret!, users(1000));
  const r = rng(7);
  const tasks = new Map<string, number[]>();
  // a freshly seeded data dir: task id g belongs to user g % 1000 (see seedTasks)
  const all = users(1000);
  for (let g = 5; g <= 100_000; g += 5) tasks.set(all[g % 1000]!, [...(tasks.get(all[g % 1000]!) ?? []), g]);
  const next =
    kind === 'create'
      ? () => createRequest(r, sessions)
      : kind === 'complete'
        ? () =>
            completeRequest(
              r,
              sessions.filter((x) => tasks.has(x.userId)),
              tasks,
            )
        : () => listRequest(r, sessions);
  const res = await load({ url: url!, next, connections: Number(c), warmupS: 1, durationS: Number(s), runs: 1 });
  console.log(JSON.stringify(res.runs[0]));
} else {
  console.error('usage: bench/dev.ts seed <dir> [tasks] | load <url> <secret> <kind> <connections> <seconds>');
  process.exit(2);
}
