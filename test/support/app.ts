/**
 * Starts the real service in-process for integration tests: the embedded PostgreSQL in a fresh temp
 * DATA_DIR (or a PostgreSQL server when DATABASE_URL is passed), on a free port, through the
 * same bootstrap as `npm start`. Helpers speak HTTP to it like any client.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { start, type Running } from '../../src/bootstrap.js';

export interface TestApp {
  url: string;
  running: Running;
  dataDir: string;
  /** stop the server; `keepData` leaves DATA_DIR for a restart test */
  close(opts?: { keepData?: boolean }): Promise<void>;
}

export async function startApp(env: Record<string, string> = {}, opts: { dataDir?: string; now?: () => Date } = {}): Promise<TestApp> {
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'taskstream-test-')));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...env });
  const running = await start(config, createLogger(config.logLevel), { now: opts.now });
  return {
    url: `http://127.0.0.1:${running.port}`,
    running,
    dataDir,
    async close(o = {}) {
      await running.stop();
      if (!o.keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Session {
  userId: string;
  token: string;
  email: string;
}

export interface Response<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export type Client = ReturnType<typeof client>;

/** A tiny JSON client: returns status, headers and parsed body, never throws on HTTP errors. */
export function client(baseUrl: string, token?: string) {
  async function call<T = any>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response<T>> {
    const h: Record<string, string> = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(baseUrl + url, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }
  return {
    get: <T = any>(url: string, headers?: Record<string, string>) => call<T>('GET', url, undefined, headers),
    post: <T = any>(url: string, body?: unknown, headers?: Record<string, string>) => call<T>('POST', url, body, headers),
    put: <T = any>(url: string, body?: unknown, headers?: Record<string, string>) => call<T>('PUT', url, body, headers),
    patch: <T = any>(url: string, body?: unknown, headers?: Record<string, string>) => call<T>('PATCH', url, body, headers),
    del: <T = any>(url: string, headers?: Record<string, string>) => call<T>('DELETE', url, undefined, headers),
    call,
  };
}

/** every test account's password (strong enough for the policy: zxcvbn-ts score 4) */
export const TEST_PASSWORD = 'correct horse battery';

let counter = 0;
export async function signUp(baseUrl: string, name = 'user'): Promise<Session> {
  const email = `${name}-${process.pid}-${Date.now()}-${++counter}@example.com`;
  const anon = client(baseUrl);
  const reg = await anon.post('/api/auth/register', { email, password: TEST_PASSWORD, name });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  const login = await anon.post('/api/auth/login', { email, password: TEST_PASSWORD });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return { userId: login.body.user_id, token: login.body.access_token, email };
}

/** Poll until `check` returns a truthy value (events are asynchronous by design). */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  { timeoutMs = 5000, intervalMs = 25 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
