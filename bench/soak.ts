/**
 * Soak (issue 6): the real stack (scripts/stack.sh) for SOAK_MINUTES (default 10) at half the
 * measured maximum. First a 20 s closed-loop burst measures the maximum rate of "create a recurring
 * task + complete it" (each completion also makes the consumer create the next occurrence); then an
 * open-loop load runs at half that rate. Every 10 s it samples the RSS of every app process and
 * sidecar, `outbox_lag_seconds` from each app's /metrics, and the unpublished outbox rows. At the
 * end it waits for the backlog to drain and counts lost and duplicated effects like test/faults.
 *
 *   flock /tmp/stack.lock npm run soak          # not part of npm test
 *   SOAK_MINUTES=2 flock /tmp/stack.lock npm run soak
 *
 * Loopback only, bounded in count and time. Writes test-results/soak.json and prints a summary
 * (RSS slope in MB/min by least squares over the samples after a 2-minute warm-up).
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import pg from 'pg';
import { signUp } from '../test/support/app.js';
import { stack, stackEnv } from '../test/stack/support.js';
import { API, Load, converge, pidOf, sleep, type StackProcess } from '../test/faults/support.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const SAMPLE_MS = 10_000;
const WARMUP_MS = 2 * 60_000;
const PROCESSES: StackProcess[] = [
  'backend',
  'recurring',
  'notifications',
  'daprd-backend',
  'daprd-recurring',
  'daprd-notifications',
  'kafka',
];
const log = (msg: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

async function gauge(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** least-squares slope of y over x */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den ? num / den : 0;
}

log('fresh stack: scripts/stack.sh down && up (REMINDER_SCHEDULE=@every 2s)');
process.env.REMINDER_SCHEDULE = '@every 2s';
await stack('down');
await stack('up');
const env = await stackEnv();
const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
db.on('error', () => undefined);

try {
  // 1. the maximum: closed loop, 16 workers, 20 s
  const burstUser = await signUp(API, 'soak-burst');
  const burst = new Load(burstUser, { rate: 10_000, durationMs: 20_000, maxOps: 20_000, workers: 16, reminderEvery: 0, label: 'burst' });
  burst.start();
  await burst.finished();
  const burstS = (burst.endedAt - burst.startedAt) / 1000;
  const maxRate = burst.series.filter((s) => s.completed).length / burstS;
  const burstErrors = burst.outcomes.filter((o) => o.status < 200 || o.status >= 300).length;
  log(`maximum: ${maxRate.toFixed(1)} create+complete pairs/s (${(maxRate * 2).toFixed(0)} requests/s), ${burstErrors} errors`);
  // let the consumers catch up before the soak, so the soak starts from a drained pipeline
  await converge(db, burstUser.userId, burst, 300_000);

  // 2. the soak at half of it
  const rate = Math.max(1, Math.floor(maxRate / 2));
  const me = await signUp(API, 'soak');
  const durationMs = MINUTES * 60_000;
  const load = new Load(me, {
    rate,
    durationMs,
    maxOps: Math.ceil(rate * MINUTES * 60) + 1,
    workers: 16,
    reminderEvery: 10,
    reminderInS: 5,
    label: 'soak',
  });
  log(`soak: ${rate} pairs/s for ${MINUTES} min (every 10th a task with a reminder 5 s later)`);
  const pids = Object.fromEntries(PROCESSES.map((p) => [p, pidOf(env, p)]));
  const samples: { t: number; rss: Record<string, number>; outboxLag: number; unpublished: number; errors: number; done: number }[] = [];
  const t0 = Date.now();
  load.start();
  let finished = false;
  void load.finished().then(() => (finished = true));
  while (!finished) {
    const lags = await Promise.all([8000, 8001, 8002].map((port) => gauge(port, 'outbox_lag_seconds').catch(() => NaN)));
    const unpublished = Number((await db.query('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')).rows[0].n);
    const rss = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, rssMb(pid)]));
    const errors = load.outcomes.filter((o) => o.status < 200 || o.status >= 300).length;
    samples.push({
      t: Date.now() - t0,
      rss,
      outboxLag: Math.max(...lags.filter((x) => !Number.isNaN(x))),
      unpublished,
      errors,
      done: load.outcomes.length,
    });
    const s = samples.at(-1)!;
    log(
      `t=${Math.round(s.t / 1000)}s requests=${s.done} errors=${s.errors} outbox_lag=${s.outboxLag.toFixed(2)}s unpublished=${s.unpublished} rss backend=${s.rss.backend} recurring=${s.rss.recurring} notifications=${s.rss.notifications} MB`,
    );
    await Promise.race([sleep(SAMPLE_MS), load.finished()]);
  }
  const loadEnd = Date.now();
  log('load done; waiting for the backlog to drain');
  const { ledger, drainS } = await converge(db, me.userId, load, 600_000);

  const steady = samples.filter((s) => s.t >= WARMUP_MS);
  const slopes = Object.fromEntries(
    PROCESSES.map((p) => [p, Math.round(slope(steady.map((s) => [s.t / 60_000, s.rss[p]!] as [number, number])) * 100) / 100]),
  );
  const requests = load.outcomes.length;
  const errors = load.outcomes.filter((o) => o.status < 200 || o.status >= 300).length;
  const result = {
    minutes: MINUTES,
    maxPairsPerSecond: Math.round(maxRate * 10) / 10,
    ratePairsPerSecond: rate,
    requests,
    achievedRequestsPerSecond: Math.round((requests / ((loadEnd - t0) / 1000)) * 10) / 10,
    errors,
    statuses: load.statuses(),
    rssStartMb: samples[0]?.rss,
    rssEndMb: samples.at(-1)?.rss,
    rssSlopeMbPerMin: slopes,
    outboxLagMaxS: Math.max(...samples.map((s) => s.outboxLag)),
    outboxLagP50S: samples.map((s) => s.outboxLag).sort((a, b) => a - b)[Math.floor(samples.length / 2)],
    unpublishedMax: Math.max(...samples.map((s) => s.unpublished)),
    drainAfterLoadS: drainS,
    ledger,
    samples,
  };
  await mkdir('test-results', { recursive: true });
  await writeFile('test-results/soak.json', JSON.stringify(result, null, 2));
  log(`requests ${requests} (${result.achievedRequestsPerSecond}/s), errors ${errors}`);
  log(`RSS slope after warm-up (MB/min): ${JSON.stringify(slopes)}`);
  log(
    `outbox_lag_seconds max ${result.outboxLagMaxS.toFixed(2)} s, median ${result.outboxLagP50S?.toFixed(2)} s; unpublished rows max ${result.unpublishedMax}`,
  );
  log(
    `produced ${ledger.produced.total}, consumed ${ledger.consumed.total}, effects ${ledger.effects.total}, lost ${ledger.lost.total}, duplicated ${ledger.duplicated.total}, drained ${drainS} s after the load`,
  );
  log('wrote test-results/soak.json');
  if (errors > 0 || ledger.lost.total > 0 || ledger.duplicated.total > 0) process.exitCode = 1;
} finally {
  await db.end().catch(() => undefined);
  if (!process.env.KEEP_STACK) await stack('down').catch(() => undefined);
}
