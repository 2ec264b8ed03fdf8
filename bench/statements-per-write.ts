/**
 * `node --import tsx bench/statements-per-write.ts`: how many SQL statements one create and one
 * complete cost, everything included — the request, the group-commit transaction, the relay, the
 * consumers (audit, inbox, webhooks, live, next occurrence), the reminder clock's re-arm and the
 * wake-up NOTIFYs. The whole service runs in this process (one worker, as under
 * WEB_CONCURRENCY=1) on a fresh embedded database; every statement any connection sends is
 * counted. A count does not depend on the machine's load, unlike a throughput, so it compares
 * builds on a busy machine. Prints the totals per write and the statements by kind.
 *
 * Sequential (one write at a time: a lone write's whole cost) and 64 in flight (group commit and
 * relay batches share their statements).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { start } from '../src/bootstrap.js';
import { mintSessions, must, type Session } from './lib/api.js';
import { seedUsers } from './lib/seed.js';
import { createBody } from './scenarios/http.js';
import { rng, sleep } from './lib/util.js';

const N = Number(process.env.WRITES ?? 200);

/** this script's own probes start with it */
const UNCOUNTED = '/* uncounted */';
const counts = new Map<string, number>();
let counting = false;
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const c = args[0] as string | { text?: string; values?: unknown[] };
  const text = typeof c === 'string' ? c : (c?.text ?? '?');
  if (counting && !text.startsWith(UNCOUNTED)) {
    const values = typeof c === 'string' ? args[1] : c?.values;
    const kind = /pg_notify/.test(text) ? `select pg_notify (${Array.isArray(values) ? String(values[0]) : '?'})` : kindOf(text);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;

/** The statement's first words with its table, enough to tell the kinds apart. */
function kindOf(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  const m =
    /^(with \w+ as \(\s*)?(select|insert into|update|delete from|begin|commit|rollback|savepoint|release savepoint|rollback to savepoint|listen)\b(.*)$/i.exec(
      t,
    );
  if (!m) return t.slice(0, 60);
  const verb = m[2]!.toLowerCase();
  const rest = m[3]!;
  if (verb === 'select') {
    const from = /\bfrom "?(\w+)"?/i.exec(rest);
    return `select … from ${from?.[1] ?? rest.slice(0, 40)}`;
  }
  const table = /^\s*"?(\w+)"?/.exec(rest)?.[1] ?? '';
  return `${m[1] ? 'with … ' : ''}${verb} ${table}`.trim();
}

const work = await mkdtemp(path.join(tmpdir(), 'taskstream-statements-'));
const secret = randomBytes(32).toString('hex');
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  DATA_DIR: path.join(work, 'data'),
  LOG_LEVEL: 'warn',
  AUTH_SECRET: secret,
  WEB_CONCURRENCY: '1',
  LIMIT_WRITES_PER_SECOND: '100000',
  LIMIT_WRITE_BURST: '100000',
  // the relay is kicked by every commit; its idle poll would only add statements nobody's write caused
  RELAY_POLL_MS: '60000',
});
const running = await start(config, createLogger('warn'));
const base = `http://127.0.0.1:${running.port}`;
const db = running.services.db;
try {
  const users = Array.from({ length: 64 }, (_, i) => `stmt-u${i}`);
  await seedUsers(db, users);
  const sessions = await mintSessions(secret, users);
  const r = rng(7);
  const create = (s: Session) => must<{ id: number }>(base, 'POST', `/api/${s.userId}/tasks`, s.token, createBody(r));
  const complete = (s: Session, id: number) => must(base, 'PATCH', `/api/${s.userId}/tasks/${id}/complete`, s.token);

  // warm-up: Inboxes known, statements prepared, every connection opened
  const ids = new Map<string, number[]>();
  await inFlight(64, 256, async (i) => {
    const s = sessions[i % 64]!;
    const { id } = await create(s);
    ids.set(s.userId, [...(ids.get(s.userId) ?? []), id]);
  });
  await settle();

  const report: Record<string, unknown> = {};
  report.create_sequential = await measure(N, async () => {
    for (let i = 0; i < N; i++) await create(sessions[i % 64]!);
  });
  report.complete_sequential = await measure(N, async () => {
    for (let i = 0; i < N; i++) {
      const s = sessions[i % 64]!;
      await complete(s, ids.get(s.userId)![(i >> 6) % 4]!);
    }
  });
  report.create_64_in_flight = await measure(N * 4, () => inFlight(64, N * 4, (i) => create(sessions[i % 64]!).then(() => undefined)));
  report.complete_64_in_flight = await measure(N * 4, () =>
    inFlight(64, N * 4, async (i) => {
      const s = sessions[i % 64]!;
      await complete(s, ids.get(s.userId)![(i >> 6) % 4]!);
    }),
  );
  console.log(JSON.stringify(report, null, 2));
} finally {
  await running.stop();
  await rm(work, { recursive: true, force: true });
}

/** Runs `n` jobs with `c` in flight. */
async function inFlight(c: number, n: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) await job(next++);
    }),
  );
}

/** Until the outbox is published and the consumers, clock and wake-ups are quiet. */
async function settle(): Promise<void> {
  await outboxPublished();
  await sleep(1500); // relay poll, clock re-arm, webhook fan-out: let them run out
}

async function outboxPublished(): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ n: number }>`/* uncounted */ SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`.execute(db);
    if (rows[0]!.n === 0) return;
    await sleep(20);
  }
}

/** Statements per write of `fn`, counted until everything it caused has run. */
async function measure(writes: number, fn: () => Promise<void>) {
  counts.clear();
  counting = true;
  await fn();
  // what the writes caused after their answers (relay, consumers): until the outbox is published
  await outboxPublished();
  await sleep(1000);
  counting = false;
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const byKind = Object.fromEntries(
    [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round((v / writes) * 100) / 100]),
  );
  return { writes, statements_per_write: Math.round((total / writes) * 100) / 100, by_kind_per_write: byKind };
}
