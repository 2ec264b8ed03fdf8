/**
 * `node --import tsx bench/explain-lists.ts`: the query plans of the list filters and views of
 * issue 13 for a 10k-task user (beside 20k tasks of 200 other users), from the statements the
 * list code really sends: EXPLAIN (ANALYZE, BUFFERS) of each. Prints the plans; keeps nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { Database } from '../src/db/types.js';
import { listTasks, type ListQuery } from '../src/tasks/list-query.js';
import { resolveView } from '../src/tasks/organize.js';
import pino from 'pino';
import { analyze, REALISTIC, seedTasks, seedUsers } from './lib/seed.js';
import { BIG_10K, seedBigUsers } from './scenarios/big-user.js';

const dir = await mkdtemp(path.join(tmpdir(), 'taskstream-explain-'));
const server = await startEmbeddedPostgres(dir, pino({ level: 'silent' }));
const captured: CompiledQuery[] = [];
const pool = new pg.Pool({ connectionString: server.url, max: 4 });
const db = new Kysely<Database>({
  dialect: new PostgresDialect({ pool }),
  log: (e) => {
    if (e.level === 'query') captured.push(e.query);
  },
});
try {
  await migrateToLatest(db);
  const others = Array.from({ length: 200 }, (_, i) => `explain-u${i}`);
  await seedUsers(db, others);
  await seedTasks(db, { userIds: others, count: 20_000, profile: REALISTIC });
  await seedBigUsers(db);
  await analyze(db);
  const inbox = (
    await db.selectFrom('projects').select('id').where('owner_id', '=', BIG_10K).where('inbox', '=', true).executeTakeFirstOrThrow()
  ).id;
  const parent = (await db.selectFrom('tasks').select('id').where('user_id', '=', BIG_10K).limit(1).executeTakeFirstOrThrow()).id;
  // a few subtasks, so the children query has rows
  await sql`UPDATE tasks SET parent_id = ${parent} WHERE id IN (SELECT id FROM tasks WHERE user_id = ${BIG_10K} AND id <> ${parent} LIMIT 5)`.execute(
    db,
  );
  await analyze(db);
  const now = new Date();
  const base: ListQuery = { sort: 'created_at', descending: false, limit: 50 };
  const cases: [string, ListQuery][] = [
    ['first page (default sort)', base],
    ['view=today sort=due_date', { ...base, sort: 'due_date', window: resolveView({ kind: 'today' }, 'Europe/Berlin', now) }],
    ['view=upcoming days=7 sort=due_date', { ...base, sort: 'due_date', window: resolveView({ kind: 'upcoming' }, 'Europe/Berlin', now) }],
    ['view=today (default sort)', { ...base, window: resolveView({ kind: 'today' }, 'Europe/Berlin', now) }],
    ['project page: project_id top_level sort=position', { ...base, sort: 'position', projectId: inbox, topLevel: true }],
    ['project page, pending only', { ...base, sort: 'position', projectId: inbox, topLevel: true, status: 'pending' }],
    ['subtasks: parent_id sort=position', { ...base, sort: 'position', parentId: parent }],
    [
      'view=today sort=title (a sort node: the counts come after it)',
      { ...base, sort: 'title', window: resolveView({ kind: 'today' }, 'Europe/Berlin', now) },
    ],
  ];
  for (const [label, q] of cases) {
    captured.length = 0;
    await listTasks(db, BIG_10K, q, now);
    console.log(`\n=== ${label}`);
    for (const c of captured) {
      const plan = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${c.sql}`, c.parameters as unknown[]);
      console.log(plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
    }
  }
  captured.length = 0;
  await sql`SELECT parent_id, count(*) FROM tasks WHERE parent_id = ANY(${sql.val([parent])}::int[]) GROUP BY parent_id`.execute(db);
} finally {
  await db.destroy();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
