/**
 * Reminder selection cost against table size: ReminderScanner.scan() and nextDue() (the app's
 * own code) on a database grown to 10k, 100k, 1M tasks, most reminders in the future, with
 * 0, 10 and 100 due at the scan; plus EXPLAIN ANALYZE of both queries.
 */
import { sql } from 'kysely';
import type { Db } from '../../src/db/types.js';
import { ReminderScanner } from '../../src/reminders/scanner.js';
import { analyze, REMINDER_HEAVY, seedTasks, seedUsers } from '../lib/seed.js';
import { log, summarize, type Summary } from '../lib/util.js';

export interface ScanSize {
  tasks: number;
  reminders: number;
  unfired: number;
  seed_ms: number;
  /** scan() with nothing due: the cost of every tick */
  scan_idle: Summary;
  /** scan() that fires 10 / 100 due reminders (select, mark fired, outbox rows, one transaction) */
  scan_10_due: Summary;
  scan_100_due: Summary;
  next_due: Summary;
  explain_due_query: string;
  explain_next_due: string;
}

/** Keep in step with ReminderScanner.fireBatch / nextDue (src/reminders/scanner.ts). */
const DUE_QUERY = (now: Date) => sql`
  SELECT r.id, r.task_id, r.user_id, r.remind_at, t.title, t.due_date
  FROM reminders r JOIN tasks t ON t.id = r.task_id
  WHERE r.fired_at IS NULL AND r.remind_at <= ${now} AND t.completed = false
  ORDER BY r.remind_at
  LIMIT 500
  FOR UPDATE OF r SKIP LOCKED`;
const NEXT_DUE_QUERY = sql`SELECT remind_at FROM reminders WHERE fired_at IS NULL ORDER BY remind_at LIMIT 1`;

class Rollback extends Error {}

async function explain(db: Db, query: ReturnType<typeof sql>): Promise<string> {
  let text = '';
  await db
    .transaction()
    .execute(async (tx) => {
      const r = await sql<Record<string, string>>`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${query}`.execute(tx);
      text = r.rows.map((row) => Object.values(row)[0]).join('\n');
      throw new Rollback();
    })
    .catch((err: unknown) => {
      if (!(err instanceof Rollback)) throw err;
    });
  return text;
}

/** Makes `k` future reminders of open tasks due (a few seconds ago), as if their time had come. */
async function armDue(db: Db, k: number): Promise<void> {
  await sql`
    UPDATE reminders SET remind_at = now() - (random() * interval '5 seconds') - interval '100 milliseconds'
    WHERE id IN (
      SELECT r.id FROM reminders r JOIN tasks t ON t.id = r.task_id
      WHERE r.fired_at IS NULL AND t.completed = false AND r.remind_at > now() + interval '30 days'
      ORDER BY r.remind_at DESC LIMIT ${k})`.execute(db);
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function scanBench(db: Db, sizes: readonly number[], o: { iterations: number; prefix: string }): Promise<ScanSize[]> {
  const users = Array.from({ length: 1000 }, (_, i) => `${o.prefix}${String(i + 1).padStart(4, '0')}`);
  await seedUsers(db, users);
  const scanner = new ReminderScanner(db, () => new Date());
  const out: ScanSize[] = [];
  let have = 0;
  for (const size of sizes) {
    const t0 = performance.now();
    await seedTasks(db, {
      userIds: users,
      count: size - have,
      profile: REMINDER_HEAVY,
      seed: 0.1 + have / 1e7,
      chunk: 50_000,
      onProgress: (d) => log(`scan data set: ${have + d}/${size} tasks`),
    });
    have = size;
    await analyze(db);
    const seedMs = performance.now() - t0;
    const counts = await sql<{ n: number; unfired: number }>`
      SELECT count(*)::int AS n, count(*) FILTER (WHERE fired_at IS NULL)::int AS unfired FROM reminders`.execute(db);
    await scanner.scan(); // anything the seed left due
    for (let i = 0; i < 3; i++) await scanner.nextDue();

    const idle: number[] = [];
    const next: number[] = [];
    for (let i = 0; i < o.iterations; i++) {
      idle.push(await time(() => scanner.scan()));
      next.push(await time(() => scanner.nextDue()));
    }
    const due: Record<number, number[]> = { 10: [], 100: [] };
    let explainDue = '';
    for (const k of [10, 100]) {
      for (let i = 0; i < Math.max(5, Math.floor(o.iterations / 2)); i++) {
        await armDue(db, k);
        if (k === 100 && i === 0) explainDue = await explain(db, DUE_QUERY(new Date()));
        let fired = 0;
        due[k]!.push(await time(async () => (fired = await scanner.scan())));
        if (fired !== k) log(`warning: scan fired ${fired}, expected ${k}`);
        await sql`DELETE FROM outbox WHERE topic = 'notifications' AND published_at IS NULL`.execute(db);
      }
    }
    const result: ScanSize = {
      tasks: size,
      reminders: counts.rows[0]!.n,
      unfired: counts.rows[0]!.unfired,
      seed_ms: Math.round(seedMs),
      scan_idle: summarize(idle),
      scan_10_due: summarize(due[10]!),
      scan_100_due: summarize(due[100]!),
      next_due: summarize(next),
      explain_due_query: explainDue,
      explain_next_due: await explain(db, NEXT_DUE_QUERY),
    };
    log(
      `scan @${size}: idle p50 ${result.scan_idle.p50} ms, 10 due p50 ${result.scan_10_due.p50} ms, 100 due p50 ${result.scan_100_due.p50} ms, nextDue p50 ${result.next_due.p50} ms`,
    );
    out.push(result);
  }
  return out;
}
