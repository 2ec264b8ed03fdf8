/**
 * What a personal access token costs per request against a login token (`node --import tsx
 * bench/access-token-auth.ts`): a token is looked up in PostgreSQL on every request (so a revoked
 * one fails at once in every worker), a login JWT is verified once and then remembered in memory.
 * Measures the lookup alone (in-process, sequential) and whole requests (autocannon, A/B alternated
 * so that the machine's other load falls on both). Prints JSON; stores nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { start } from '../src/bootstrap.js';

const LOOKUPS = 5000;
const ROUNDS = 3;
const SECONDS = 5;

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

async function main() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'taskstream-pat-bench-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'error', LIMIT_WRITES_PER_SECOND: '100000' });
  const running = await start(config, createLogger(config.logLevel));
  const base = `http://127.0.0.1:${running.port}`;
  try {
    const post = async (url: string, body: unknown, token?: string) => {
      const res = await fetch(base + url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      return (await res.json()) as Record<string, string>;
    };
    const email = `bench-${Date.now()}@example.com`;
    await post('/api/auth/register', { email, password: 'correct horse battery' });
    const login = await post('/api/auth/login', { email, password: 'correct horse battery' });
    const [jwt, userId] = [login.access_token!, login.user_id!];
    const pat = (await post(`/api/${userId}/tokens`, { name: 'bench', scopes: ['tasks:read', 'tasks:write'] }, jwt)).token!;
    for (let i = 0; i < 20; i++) await post(`/api/${userId}/tasks`, { title: `task ${i}` }, jwt);

    const { accessTokens, auth } = running.services;
    const time = async (fn: () => Promise<unknown>) => {
      const us: number[] = [];
      for (let i = 0; i < LOOKUPS; i++) {
        const t0 = process.hrtime.bigint();
        await fn();
        us.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
      return {
        p50_us: Math.round(quantile(us, 0.5)),
        p99_us: Math.round(quantile(us, 0.99)),
        mean_us: Math.round(us.reduce((a, b) => a + b) / us.length),
      };
    };
    const lookup = {
      access_token: await time(() => accessTokens.authenticate(pat)),
      login_token: await time(() => auth.authenticate(jwt)),
    };

    const http: Record<string, { rps: number[]; p50_ms: number[]; p99_ms: number[] }> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [kind, token] of [
        ['login_token', jwt],
        ['access_token', pat],
      ] as const) {
        const r = await autocannon({
          url: `${base}/api/${userId}/tasks?limit=20`,
          connections: 8,
          duration: SECONDS,
          headers: { authorization: `Bearer ${token}` },
        });
        if (r.non2xx) throw new Error(`${kind}: ${r.non2xx} non-2xx answers`);
        const row = (http[kind] ??= { rps: [], p50_ms: [], p99_ms: [] });
        row.rps.push(Math.round(r.requests.average));
        row.p50_ms.push(r.latency.p50);
        row.p99_ms.push(r.latency.p99);
      }
    }
    console.log(JSON.stringify({ lookups: LOOKUPS, lookup, http_list_20_tasks: http }, null, 2));
  } finally {
    await running.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
