/**
 * Event pipeline: outbox rows → relay → bus (in-process, or Dapr → Kafka → Dapr) → consumer
 * effects (the audit consumer's task_history row, keyed by event id).
 *
 * - backlog: `count` task events committed at once; events/s until every one is published and
 *   until every effect exists (the capacity).
 * - sustained: events committed at a fixed rate in small transactions (like API writes); the
 *   outbox lag (age of the oldest unpublished row) sampled throughout.
 *
 * Events are real `updated` events of existing tasks (schema-valid, the shape the API writes),
 * with event ids that share a per-run prefix so their effects can be counted by a PK range.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../src/db/types.js';
import { NO_SUBTASKS, toTask } from '../../src/tasks/mapper.js';
import { log, percentile, round, sleep } from '../lib/util.js';

export interface Backlog {
  events: number;
  /** commit of the backlog → last row marked published */
  published_per_s: number;
  /** commit of the backlog → last consumer effect */
  effects_per_s: number;
  drain_ms: number;
  /** outbox lag while draining (the backlog's own age) */
  lag_max_ms: number;
}

export interface Sustained {
  offered_per_s: number;
  duration_s: number;
  events: number;
  /** events whose effect exists / time from the first insert until the last effect */
  achieved_per_s: number;
  lag_p50_ms: number;
  lag_p99_ms: number;
  lag_max_ms: number;
  /** after the producer stopped: until every effect exists */
  tail_ms: number;
}

interface Ctx {
  db: Db;
  /** tells the relay rows were committed (embedded: relay.kick; stack: nothing, the relay polls) */
  kick: () => void;
  events: (n: number) => Promise<{ rows: { topic: string; key: string; payload: string }[]; lo: string; hi: string }>;
}

/** Up to 2000 tasks of the given users, as event payload templates. */
export async function pipelineContext(db: Db, userPrefix: string, kick: () => void): Promise<Ctx> {
  const tasks = (
    await db.selectFrom('tasks').selectAll().where('user_id', 'like', `${userPrefix}%`).orderBy('id').limit(2000).execute()
  ).map((row) => toTask(row, NO_SUBTASKS));
  if (!tasks.length) throw new Error(`no tasks of users ${userPrefix}* to build events from`);
  let run = 0;
  return {
    db,
    kick,
    async events(n) {
      const prefix = `b0e${(Date.now() % 0xfffff).toString(16).padStart(5, '0')}`.slice(0, 8);
      run++;
      const rows = Array.from({ length: n }, (_, i) => {
        const task = tasks[(i + run * 7) % tasks.length]!;
        const event_id = prefix + randomUUID().slice(8);
        const payload = {
          event_id,
          event_type: 'updated',
          task_id: task.id,
          user_id: task.user_id,
          timestamp: new Date().toISOString(),
          data: task,
        };
        return { topic: 'task-events', key: String(task.id), payload: JSON.stringify(payload) };
      });
      return { rows, lo: `${prefix}-0000-0000-0000-000000000000`, hi: `${prefix}-ffff-ffff-ffff-ffffffffffff` };
    },
  };
}

async function insertRows(db: Db, rows: { topic: string; key: string; payload: string }[]): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (let i = 0; i < rows.length; i += 500) {
      await tx
        .insertInto('outbox')
        .values(rows.slice(i, i + 500).map((r) => ({ ...r, published_at: null })))
        .execute();
    }
  });
}

const effects = async (db: Db, lo: string, hi: string) =>
  Number(
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM task_history WHERE event_id BETWEEN ${lo}::uuid AND ${hi}::uuid`.execute(db))
      .rows[0]!.n,
  );

const maxSeq = async (db: Db) => Number((await sql<{ m: number | null }>`SELECT max(seq) AS m FROM outbox`.execute(db)).rows[0]?.m ?? 0);

/** Age (ms) of the oldest unpublished outbox row, 0 when none. */
const lagMs = async (db: Db) =>
  Number(
    (
      await sql<{ ms: number | null }>`
        SELECT (extract(epoch FROM (clock_timestamp() - min(created_at))) * 1000)::float8 AS ms
        FROM outbox WHERE published_at IS NULL`.execute(db)
    ).rows[0]?.ms ?? 0,
  );

export async function backlog(c: Ctx, count: number, timeoutMs = 120_000): Promise<Backlog> {
  const { rows, lo, hi } = await c.events(count);
  const fromSeq = await maxSeq(c.db);
  await insertRows(c.db, rows);
  const t0 = performance.now();
  c.kick();
  let publishedAt = 0;
  let lagMax = 0;
  for (;;) {
    await sleep(25);
    const now = performance.now();
    if (!publishedAt) {
      const pending = Number(
        (await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE seq > ${fromSeq} AND published_at IS NULL`.execute(c.db))
          .rows[0]!.n,
      );
      if (pending === 0) publishedAt = now;
      else lagMax = Math.max(lagMax, now - t0);
    }
    const done = await effects(c.db, lo, hi);
    if (done >= count && publishedAt) {
      const ms = performance.now() - t0;
      return {
        events: count,
        published_per_s: Math.round(count / ((publishedAt - t0) / 1000)),
        effects_per_s: Math.round(count / (ms / 1000)),
        drain_ms: Math.round(ms),
        lag_max_ms: Math.round(lagMax),
      };
    }
    if (now - t0 > timeoutMs) throw new Error(`pipeline backlog: ${done}/${count} effects after ${timeoutMs} ms`);
  }
}

export async function sustained(c: Ctx, perS: number, durationS: number, timeoutMs = 120_000): Promise<Sustained> {
  const tickMs = 50;
  const perTick = Math.max(1, Math.round((perS * tickMs) / 1000));
  const ticks = Math.round((durationS * 1000) / tickMs);
  const { rows, lo, hi } = await c.events(perTick * ticks);
  const lags: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      lags.push(await lagMs(c.db));
      await sleep(100);
    }
  })();
  const t0 = performance.now();
  for (let i = 0; i < ticks; i++) {
    await insertRows(c.db, rows.slice(i * perTick, (i + 1) * perTick));
    c.kick();
    const wait = t0 + (i + 1) * tickMs - performance.now();
    if (wait > 0) await sleep(wait);
  }
  const producedAt = performance.now();
  const offered = rows.length / ((producedAt - t0) / 1000);
  for (;;) {
    const done = await effects(c.db, lo, hi);
    if (done >= rows.length) break;
    if (performance.now() - producedAt > timeoutMs)
      throw new Error(`pipeline sustained: ${done}/${rows.length} effects after the producer stopped`);
    await sleep(25);
  }
  const end = performance.now();
  sampling = false;
  await sampler;
  const res = {
    offered_per_s: Math.round(offered),
    duration_s: round((producedAt - t0) / 1000, 1),
    events: rows.length,
    achieved_per_s: Math.round(rows.length / ((end - t0) / 1000)),
    lag_p50_ms: Math.round(percentile(lags, 50)),
    lag_p99_ms: Math.round(percentile(lags, 99)),
    lag_max_ms: Math.round(Math.max(0, ...lags)),
    tail_ms: Math.round(end - producedAt),
  };
  log(`pipeline sustained ${JSON.stringify(res)}`);
  return res;
}
