/** A minimal JSON client of the task API, and sessions (user id + bearer token). */
import { Tokens } from '../../src/auth/tokens.js';

export interface Session {
  userId: string;
  token: string;
}

export interface Reply<T> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(base: string, method: string, path: string, token?: string, body?: unknown): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function must<T = any>(base: string, method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const r = await call<T>(base, method, path, token, body);
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body;
}

/** Tokens signed with the AUTH_SECRET the bench gave its own server (as the login route would issue them). */
export async function mintSessions(secret: string, userIds: readonly string[]): Promise<Session[]> {
  const tokens = new Tokens({ secret, ttlSeconds: 24 * 3600 });
  return Promise.all(userIds.map(async (userId) => ({ userId, token: (await tokens.issue(userId)).token })));
}

/** Through the public API: register + login (the stack's AUTH_SECRET stays in its secret store). */
export async function registerSessions(base: string, prefix: string, n: number): Promise<Session[]> {
  const out: Session[] = [];
  for (let i = 0; i < n; i++) {
    const email = `${prefix}-${i}@bench.example.com`;
    const password = 'bench passphrase plum kettle 1'; // the password policy wants a strong one
    const reg = await call(base, 'POST', '/api/auth/register', undefined, { email, password, name: `Bench ${i}` });
    if (reg.status !== 201 && reg.status !== 409) throw new Error(`register → ${reg.status} ${JSON.stringify(reg.body)}`);
    const login = await must<{ access_token: string; user_id: string }>(base, 'POST', '/api/auth/login', undefined, { email, password });
    out.push({ userId: login.user_id, token: login.access_token });
  }
  return out;
}
