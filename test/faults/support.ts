/**
 * Support for the fault-injection suite (test/faults): a bounded load generator (loopback only),
 * process control of the real stack (SIGKILL/SIGSTOP by pid file, extra replicas with their own
 * sidecars), and the ledger that counts events and effects in PostgreSQL, through the API and on
 * the Kafka topics, so each case can prove "zero lost, zero duplicated".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { client, type Session } from '../support/app.js';
import { stack } from '../stack/support.js';

export { stackTestLock } from '../stack/support.js';

export const API = 'http://127.0.0.1:8000';
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// processes of the stack

export type StackProcess =
  'kafka' | 'backend' | 'daprd-backend' | 'recurring' | 'daprd-recurring' | 'notifications' | 'daprd-notifications';

export function pidOf(env: Record<string, string>, name: StackProcess): number {
  const text = readFileSync(path.join(env.STACK_RUN!, `${name}.pid`), 'utf8');
  const pid = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no pid in ${name}.pid`);
  return pid;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Sends `signal` to the stack process by its recorded pid; for SIGKILL waits until it is gone. */
export async function signal(env: Record<string, string>, name: StackProcess, sig: NodeJS.Signals): Promise<number> {
  const pid = pidOf(env, name);
  process.kill(pid, sig);
  if (sig === 'SIGKILL') {
    const deadline = Date.now() + 10_000;
    while (alive(pid)) {
      if (Date.now() > deadline) throw new Error(`${name} (pid ${pid}) survived SIGKILL`);
      await sleep(50);
    }
  }
  return pid;
}

/** `scripts/stack.sh up`: starts whatever is not running and waits until all of it is ready. */
export async function heal(db?: pg.Pool): Promise<void> {
  try {
    await stack('up');
  } catch (err) {
    // say what the database was waiting for (a start-up that hangs is usually a lock)
    const activity = await db
      ?.query(
        `SELECT a.pid, a.state, a.wait_event_type, a.wait_event, now() - a.xact_start AS xact, left(a.query, 120) AS query,
                (SELECT string_agg(l.locktype || ':' || l.mode || ':' || l.granted, ',') FROM pg_locks l WHERE l.pid = a.pid) AS locks
           FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()`,
      )
      .catch(() => undefined);
    if (activity) console.error('pg_stat_activity when stack up failed:', JSON.stringify(activity.rows, null, 1));
    throw err;
  }
}

export async function waitReady(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready within ${timeoutMs} ms`);
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------
// extra replicas: an app process + its own daprd, like scripts/stack.sh starts them

export interface Replica {
  name: string;
  appPort: number;
  app: ChildProcess;
  daprd: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function spawnLogged(cmd: string, args: string[], env: Record<string, string>, logFile: string, cwd: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  return child;
}

async function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function stopChild(child: ChildProcess, sig: NodeJS.Signals): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill(sig);
  if (!(await exited(child, 20_000))) {
    child.kill('SIGKILL');
    await exited(child, 5_000);
  }
}

/**
 * Starts one more replica of an app-id (ROLE, app port, sidecar ports of its own) and waits until
 * it is ready. Its ports must lie below the kernel's ephemeral range (32768–60999 on Linux): a
 * replica starts mid-test, when any of the test's many outgoing connections may hold a port in it
 * (a CI run lost its daprd to `bind: address already in use` on 50012).
 */
export async function startReplica(
  env: Record<string, string>,
  o: { name: string; appId: string; role: string; appPort: number; daprHttp: number; daprGrpc: number; reminderSchedule: string },
): Promise<Replica> {
  const repo = process.cwd();
  const logs = path.join(env.STACK_RUN!, 'logs');
  await mkdir(logs, { recursive: true });
  const secretsFile = path.join(env.STACK_CACHE!, 'secrets', 'dapr-secrets.json');
  const app = spawnLogged(
    'node',
    ['dist/src/main.js'],
    {
      EVENT_BUS: 'dapr',
      ROLE: o.role,
      PORT: String(o.appPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DAPR_HTTP_PORT: String(o.daprHttp),
      DAPR_GRPC_PORT: String(o.daprGrpc),
      APP_API_TOKEN: env.APP_API_TOKEN!,
      DAPR_API_TOKEN: env.DAPR_API_TOKEN!,
      DAPR_SECRET_STORE: 'local-secrets',
      DAPR_SECRET_NAME: 'db-secrets',
      APP_ID: o.appId,
      DATA_DIR: path.join(env.STACK_RUN!, 'data', o.name),
    },
    path.join(logs, `${o.name}.log`),
    repo,
  );
  const daprd = spawnLogged(
    path.join(env.STACK_CACHE!, 'daprd', 'current', 'daprd'),
    [
      '--mode',
      'standalone',
      '--app-id',
      o.appId,
      '--app-port',
      String(o.appPort),
      '--app-protocol',
      'http',
      '--app-channel-address',
      '127.0.0.1',
      '--dapr-http-port',
      String(o.daprHttp),
      '--dapr-grpc-port',
      String(o.daprGrpc),
      '--dapr-listen-addresses',
      '127.0.0.1',
      '--dapr-internal-grpc-listen-address',
      '127.0.0.1',
      '--resources-path',
      path.join(repo, 'dapr', 'components-local'),
      // like scripts/stack.sh: app health checks only where the cron binding needs them
      ...(o.role === 'api' || o.role === 'all'
        ? [
            '--enable-app-health-check',
            '--app-health-check-path',
            '/readyz',
            '--app-health-probe-interval',
            '1',
            '--app-health-threshold',
            '3',
          ]
        : []),
      '--enable-metrics=false',
      '--dapr-graceful-shutdown-seconds',
      '5',
      '--log-level',
      'info',
    ],
    {
      APP_API_TOKEN: env.APP_API_TOKEN!,
      DAPR_API_TOKEN: env.DAPR_API_TOKEN!,
      REMINDER_SCHEDULE: o.reminderSchedule,
      TASKSTREAM_SECRETS_FILE: secretsFile,
    },
    path.join(logs, `daprd-${o.name}.log`),
    repo,
  );
  const replica: Replica = {
    name: o.name,
    appPort: o.appPort,
    app,
    daprd,
    // like stack.sh down: the sidecar first (no new deliveries), then the app
    async stop(sig: NodeJS.Signals = 'SIGTERM') {
      await stopChild(daprd, sig);
      await stopChild(app, sig);
    },
  };
  try {
    await waitReady(`http://127.0.0.1:${o.appPort}`);
  } catch (err) {
    await replica.stop('SIGKILL');
    throw err;
  }
  return replica;
}

// ---------------------------------------------------------------------------------------------
// the load: recurring tasks created and completed, and tasks with a reminder due a few seconds later

export interface LoadOptions {
  /** operations (series) started per second, all workers together */
  rate: number;
  durationMs: number;
  maxOps: number;
  workers?: number;
  /** every n-th operation is a reminder task instead of a recurring one (0: none) */
  reminderEvery?: number;
  /** seconds from creation to the reminder */
  reminderInS?: number;
  label: string;
}

export interface Series {
  title: string;
  kind: 'recurring' | 'reminder';
  taskId?: number;
  /** the API acknowledged the create (201) / the completion (200) */
  created: boolean;
  completed: boolean;
  remindAt?: string;
}

export interface Outcome {
  at: number;
  op: 'create' | 'complete';
  status: number; // 0: network error or timeout
  retryAfter: string | null;
}

export class Load {
  readonly series: Series[] = [];
  readonly outcomes: Outcome[] = [];
  private stopped = false;
  private done: Promise<void> | undefined;
  startedAt = 0;
  endedAt = 0;

  constructor(
    private readonly me: Session,
    private readonly o: LoadOptions,
  ) {}

  start(): this {
    this.startedAt = Date.now();
    const workers = this.o.workers ?? 4;
    const interval = 1000 / this.o.rate;
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        const due = this.startedAt + i * interval;
        // bounded in count and in time, scheduled or actual (a closed loop runs behind its schedule)
        if (
          this.stopped ||
          i >= this.o.maxOps ||
          due - this.startedAt > this.o.durationMs ||
          Date.now() - this.startedAt > this.o.durationMs
        )
          return;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
        if (this.stopped) return;
        await this.op(i);
      }
    };
    this.done = Promise.all(Array.from({ length: workers }, worker)).then(() => {
      this.endedAt = Date.now();
    });
    return this;
  }

  /** Resolves when the load has run its course (bounded by count and time). */
  async finished(): Promise<void> {
    await this.done;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async call(op: Outcome['op'], method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
    try {
      const res = await fetch(API + url, {
        method,
        headers: { authorization: `Bearer ${this.me.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      this.outcomes.push({ at: Date.now(), op, status: res.status, retryAfter: res.headers.get('retry-after') });
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      return { status: res.status, body: parsed };
    } catch {
      this.outcomes.push({ at: Date.now(), op, status: 0, retryAfter: null });
      return { status: 0, body: undefined };
    }
  }

  private async op(i: number): Promise<void> {
    const every = this.o.reminderEvery ?? 0;
    const reminder = every > 0 && i % every === every - 1;
    const s: Series = {
      title: `${this.o.label} ${reminder ? 'reminder' : 'series'} [${i}]`,
      kind: reminder ? 'reminder' : 'recurring',
      created: false,
      completed: false,
    };
    this.series.push(s);
    const tasks = `/api/${this.me.userId}/tasks`;
    if (reminder) {
      s.remindAt = new Date(Date.now() + (this.o.reminderInS ?? 3) * 1000).toISOString();
      const r = await this.call('create', 'POST', tasks, {
        title: s.title,
        timezone: 'UTC', // no preferences lookup through the sidecar: the API path needs only PostgreSQL
        due_date: new Date(Date.now() + 3_600_000).toISOString(),
        reminders: [{ at: s.remindAt }],
      });
      if (r.status === 201) {
        s.created = true;
        s.taskId = r.body.id;
      }
      return;
    }
    const r = await this.call('create', 'POST', tasks, {
      title: s.title,
      timezone: 'UTC',
      due_date: '2024-01-01T09:00:00Z',
      recurrence: 'daily',
      tags: ['faults'],
    });
    if (r.status !== 201) return;
    s.created = true;
    s.taskId = r.body.id;
    const c = await this.call('complete', 'PATCH', `${tasks}/${s.taskId}/complete`, { completed: true });
    if (c.status === 200) s.completed = true;
  }

  /** Counts by status, per operation kind. */
  statuses(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const o of this.outcomes) out[`${o.op} ${o.status}`] = (out[`${o.op} ${o.status}`] ?? 0) + 1;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// the ledger: what was produced and what it caused, counted in PostgreSQL

export interface Ledger {
  /** outbox rows of the user: task-events and notifications */
  produced: { taskEvents: number; notifications: number; total: number };
  /** distinct events whose consumer effect exists (audit row / inbox row) */
  consumed: { taskEvents: number; notifications: number; total: number };
  /** effects: audit rows, next occurrences, inbox entries */
  effects: { auditRows: number; nextOccurrences: number; notifications: number; total: number };
  expected: { nextOccurrences: number; notifications: number };
  unpublished: number;
  lost: {
    /** API-acknowledged writes without their event */
    acknowledgedWrites: number;
    auditRows: number;
    nextOccurrences: number;
    notifications: number;
    /** due reminders of open tasks that never fired */
    reminders: number;
    total: number;
  };
  duplicated: {
    /** more than one task per spawned_from */
    nextOccurrences: number;
    /** more than one pending task per series */
    seriesHeads: number;
    /** more than one inbox entry per reminder (task, remind_at) */
    notifications: number;
    /** more than one audit row per event id */
    auditRows: number;
    total: number;
  };
  /** worst delay from a completion to its next occurrence, and from a reminder's time to its inbox entry (s) */
  maxEffectLagS: { nextOccurrence: number; notification: number };
}

const one = async <T>(db: pg.Pool | pg.PoolClient, text: string, values: unknown[]): Promise<T> =>
  (await db.query(text, values)).rows[0] as T;

/**
 * Every count from one snapshot (REPEATABLE READ): counted a moment apart, while the last
 * reminders fired, "fired reminders" and "notification events" disagreed by the ones in between.
 */
export async function ledger(pool: pg.Pool, userId: string, load: Load): Promise<Ledger> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return await countLedger(client, userId, load);
  } catch (err) {
    broken = true;
    throw err;
  } finally {
    if (!broken) await client.query('COMMIT').catch(() => (broken = true));
    client.release(broken);
  }
}

async function countLedger(db: pg.PoolClient, userId: string, load: Load): Promise<Ledger> {
  const n = async (text: string) => Number((await one<{ n: string }>(db, text, [userId])).n);
  const produced = {
    taskEvents: await n(`SELECT count(*) AS n FROM outbox WHERE topic = 'task-events' AND payload->>'user_id' = $1`),
    notifications: await n(`SELECT count(*) AS n FROM outbox WHERE topic = 'notifications' AND payload->>'user_id' = $1`),
  };
  const consumedTaskEvents = await n(
    `SELECT count(*) AS n FROM outbox o WHERE o.topic = 'task-events' AND o.payload->>'user_id' = $1
       AND EXISTS (SELECT 1 FROM task_history h WHERE h.event_id = (o.payload->>'event_id')::uuid)`,
  );
  const consumedNotifications = await n(
    `SELECT count(*) AS n FROM outbox o WHERE o.topic = 'notifications' AND o.payload->>'user_id' = $1
       AND EXISTS (SELECT 1 FROM notifications n WHERE n.id = (o.payload->>'notification_id')::uuid)`,
  );
  const auditRows = await n(`SELECT count(*) AS n FROM task_history WHERE user_id = $1`);
  const inbox = await n(`SELECT count(*) AS n FROM notifications WHERE user_id = $1`);
  const nextOccurrences = await n(`SELECT count(*) AS n FROM tasks WHERE user_id = $1 AND spawned_from IS NOT NULL`);
  // every completion of a recurring task (that is still completed) owes one next occurrence
  const expectedNext = await n(`SELECT count(*) AS n FROM tasks WHERE user_id = $1 AND completed AND recurrence IS NOT NULL`);
  const missingNext = await n(
    `SELECT count(*) AS n FROM tasks t WHERE t.user_id = $1 AND t.completed AND t.recurrence IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM tasks s WHERE s.spawned_from = t.id)`,
  );
  const firedReminders = await n(`SELECT count(*) AS n FROM reminders WHERE user_id = $1 AND fired_at IS NOT NULL`);
  const unfired = await n(
    `SELECT count(*) AS n FROM reminders r JOIN tasks t ON t.id = r.task_id
      WHERE r.user_id = $1 AND r.fired_at IS NULL AND NOT t.completed AND r.remind_at < now() - interval '10 seconds'`,
  );
  const unpublished = await n(`SELECT count(*) AS n FROM outbox WHERE published_at IS NULL AND payload->>'user_id' = $1`);
  const dupNext = await n(
    `SELECT count(*) AS n FROM (SELECT spawned_from FROM tasks WHERE user_id = $1 AND spawned_from IS NOT NULL GROUP BY spawned_from HAVING count(*) > 1) d`,
  );
  const dupHeads = await n(
    `SELECT count(*) AS n FROM (SELECT series_id FROM tasks WHERE user_id = $1 AND series_id IS NOT NULL AND NOT completed GROUP BY series_id HAVING count(*) > 1) d`,
  );
  const dupNotes = await n(
    `SELECT count(*) AS n FROM (SELECT task_id, remind_at FROM notifications WHERE user_id = $1 GROUP BY task_id, remind_at HAVING count(*) > 1) d`,
  );
  const dupAudit = await n(
    `SELECT count(*) AS n FROM (SELECT event_id FROM task_history WHERE user_id = $1 GROUP BY event_id HAVING count(*) > 1) d`,
  );

  // acknowledged writes: each 201 has its task and `created` event, each 200 completion its `completed` event
  const ackedCreates = load.series.filter((s) => s.created).map((s) => s.taskId!);
  const ackedCompletes = load.series.filter((s) => s.completed).map((s) => s.taskId!);
  const withEvent = async (type: string, ids: number[]) =>
    ids.length === 0
      ? 0
      : Number(
          (
            await one<{ n: string }>(
              db,
              `SELECT count(DISTINCT (payload->>'task_id')::int) AS n FROM outbox
                WHERE topic = 'task-events' AND payload->>'event_type' = $1 AND (payload->>'task_id')::int = ANY($2::int[])`,
              [type, ids],
            )
          ).n,
        );
  const lostAcked =
    ackedCreates.length -
    (await withEvent('created', ackedCreates)) +
    (ackedCompletes.length - (await withEvent('completed', ackedCompletes)));

  const lags = await one<{ next: string | null; note: string | null }>(
    db,
    `SELECT
       (SELECT max(extract(epoch FROM s.created_at - t.completed_at)) FROM tasks s JOIN tasks t ON t.id = s.spawned_from WHERE s.user_id = $1) AS next,
       (SELECT max(extract(epoch FROM n.created_at - n.remind_at)) FROM notifications n WHERE n.user_id = $1) AS note`,
    [userId],
  );

  const lost = {
    acknowledgedWrites: lostAcked,
    auditRows: produced.taskEvents - consumedTaskEvents,
    nextOccurrences: missingNext,
    notifications: produced.notifications - consumedNotifications,
    reminders: unfired,
    total: 0,
  };
  lost.total = lost.acknowledgedWrites + lost.auditRows + lost.nextOccurrences + lost.notifications + lost.reminders;
  const duplicated = { nextOccurrences: dupNext, seriesHeads: dupHeads, notifications: dupNotes, auditRows: dupAudit, total: 0 };
  duplicated.total = dupNext + dupHeads + dupNotes + dupAudit;
  return {
    produced: { ...produced, total: produced.taskEvents + produced.notifications },
    consumed: { taskEvents: consumedTaskEvents, notifications: consumedNotifications, total: consumedTaskEvents + consumedNotifications },
    effects: { auditRows, nextOccurrences, notifications: inbox, total: auditRows + nextOccurrences + inbox },
    expected: { nextOccurrences: expectedNext, notifications: firedReminders },
    unpublished,
    lost,
    duplicated,
    maxEffectLagS: { nextOccurrence: round(Number(lags.next ?? 0)), notification: round(Number(lags.note ?? 0)) },
  };
}

const round = (x: number) => Math.round(x * 10) / 10;

/** Polls the ledger until nothing is missing (the backlog drained) or the deadline passes. */
export async function converge(db: pg.Pool, userId: string, load: Load, timeoutMs = 180_000): Promise<{ ledger: Ledger; drainS: number }> {
  const start = Date.now();
  for (;;) {
    let l: Ledger | undefined;
    try {
      // first every reminder of the load has fired (the last fall due seconds after the load ends,
      // and one due less than 10 s ago counts neither as lost nor as expected yet), then nothing
      // is missing
      const settled = (await pendingReminders(db, userId)) === 0;
      l = await ledger(db, userId, load);
      if (settled && l.unpublished === 0 && l.lost.total === 0) return { ledger: l, drainS: round((Date.now() - start) / 1000) };
    } catch {
      /* database still coming back */
    }
    if (Date.now() - start > timeoutMs)
      return { ledger: l ?? (await ledger(db, userId, load)), drainS: round((Date.now() - start) / 1000) };
    await sleep(500);
  }
}

async function pendingReminders(db: pg.Pool, userId: string): Promise<number> {
  const r = await one<{ n: string }>(
    db,
    `SELECT count(*) AS n FROM reminders r JOIN tasks t ON t.id = r.task_id WHERE r.user_id = $1 AND r.fired_at IS NULL AND NOT t.completed`,
    [userId],
  );
  return Number(r.n);
}

/** The same facts through the API: one pending next occurrence per completed series, an audit trail per task, one inbox entry per reminder. */
export async function apiView(me: Session, load: Load): Promise<{ checked: number; problems: string[] }> {
  const api = client(API, me.token);
  const problems: string[] = [];
  let checked = 0;
  for (const s of load.series.filter((x) => x.created)) {
    checked++;
    const url = `/api/${me.userId}/tasks`;
    const history = await api.get(`${url}/${s.taskId}/history`);
    const types = (history.body as any[]).map((h) => h.event_type).join(',');
    if (s.kind === 'recurring') {
      const task = await api.get(`${url}/${s.taskId}`);
      // the title ends in "[i]": a substring no other series of the case contains
      const pending = await api.get(`${url}?q=${encodeURIComponent(s.title)}&status=pending&limit=5`);
      const n = Number(pending.headers.get('x-total-count'));
      // exactly one pending task per series: the next occurrence once completed, else the task
      // itself (a completion refused during the fault leaves it pending, with no next occurrence)
      if (n !== 1)
        problems.push(`${s.title}: ${n} pending tasks in the series (want 1: ${task.body.completed ? 'the next occurrence' : 'itself'})`);
      const wantHistory = task.body.completed ? 'created,completed' : 'created';
      if (types !== wantHistory) problems.push(`${s.title}: history ${types} (want ${wantHistory})`);
      if (s.completed && !task.body.completed) problems.push(`${s.title}: acknowledged completion not stored`);
    } else if (types !== 'created') problems.push(`${s.title}: history ${types} (want created)`);
  }
  const inbox = await api.get(`/api/${me.userId}/notifications?limit=200`);
  const byTask = new Map<number, number>();
  for (const n of inbox.body as any[]) byTask.set(n.task_id, (byTask.get(n.task_id) ?? 0) + 1);
  for (const s of load.series.filter((x) => x.created && x.kind === 'reminder')) {
    const got = byTask.get(s.taskId!) ?? 0;
    if (got !== 1) problems.push(`${s.title}: ${got} inbox entries through the API (want 1)`);
  }
  return { checked, problems };
}

// ---------------------------------------------------------------------------------------------
// Kafka: how many records of this user went over the wire (the relay may publish a row twice)

export class KafkaTally {
  private readonly kafka: Kafka;
  private start: Map<string, Map<number, string>> = new Map();

  constructor(brokers: string) {
    this.kafka = new Kafka({ clientId: 'taskstream-faults', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  }

  private async offsets(topic: string): Promise<Map<number, string>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offs = await admin.fetchTopicOffsets(topic);
      return new Map(offs.map((o) => [o.partition, o.high]));
    } finally {
      await admin.disconnect();
    }
  }

  async mark(topics: string[]): Promise<void> {
    for (const t of topics) this.start.set(t, await this.offsets(t));
  }

  /** Records of `userId` written since mark(), and how many of them repeat an event id already seen. */
  async count(userId: string): Promise<{ records: number; repeats: number }> {
    let records = 0;
    let repeats = 0;
    for (const [topic, from] of this.start) {
      const to = await this.offsets(topic);
      const pending = new Map([...to].filter(([p, high]) => BigInt(high) > BigInt(from.get(p) ?? '0')));
      if (!pending.size) continue;
      const seen = new Set<string>();
      const consumer = this.kafka.consumer({ groupId: `taskstream-faults-${process.pid}-${Date.now()}-${topic}` });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      let finish!: () => void;
      const done = new Promise<void>((r) => (finish = r));
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const high = pending.get(partition);
          if (high === undefined) return;
          try {
            const value = JSON.parse(message.value?.toString('utf8') ?? '');
            const payload = value?.data ?? value;
            if (payload?.user_id === userId) {
              records++;
              const id = payload.event_id ?? payload.notification_id;
              if (seen.has(id)) repeats++;
              seen.add(id);
            }
          } catch {
            /* not JSON: not ours */
          }
          if (BigInt(message.offset) + 1n >= BigInt(high)) {
            pending.delete(partition);
            if (!pending.size) finish();
          }
        },
      });
      for (const [partition] of pending) consumer.seek({ topic, partition, offset: from.get(partition) ?? '0' });
      await Promise.race([done, sleep(60_000)]);
      await consumer.disconnect();
    }
    return { records, repeats };
  }
}

// ---------------------------------------------------------------------------------------------
// the report: one JSON file per run, rendered into RELIABILITY.md by hand

export interface CaseReport {
  case: string;
  fault: string;
  load: { ops: number; statuses: Record<string, number>; durationS: number };
  ledger: Ledger;
  kafka?: { records: number; repeats: number };
  api: { checked: number; problems: string[] };
  timings: Record<string, number>;
  notes: string[];
}

export const REPORT_FILE = path.join('test-results', 'faults.json');

export async function record(report: CaseReport): Promise<void> {
  await mkdir(path.dirname(REPORT_FILE), { recursive: true });
  let all: CaseReport[] = [];
  try {
    all = JSON.parse(await readFile(REPORT_FILE, 'utf8')) as CaseReport[];
  } catch {
    /* first case */
  }
  all = all.filter((r) => r.case !== report.case);
  all.push(report);
  await writeFile(REPORT_FILE, JSON.stringify(all, null, 2));
}
