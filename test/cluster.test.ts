/**
 * `npm start`'s process model: a primary with the embedded PostgreSQL and WEB_CONCURRENCY HTTP
 * workers sharing the port (the built service, `node dist/src/main.js`, as `npm start` runs it).
 * Every worker serves the API against the one database, and /metrics — whichever worker answers —
 * counts the requests of all of them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { client, signUp } from './support/app.js';
import { spawnService, type SpawnedService } from './support/service.js';

let service: SpawnedService;
let url: string;

before(async () => {
  service = await spawnService('cluster', { WEB_CONCURRENCY: '2' }, { readyWithinMs: 60_000 });
  url = service.url;
});
after(async () => service?.stop());

const healthzCount = (text: string): number =>
  Number(/^http_request_duration_seconds_count\{[^}]*route="\/healthz"[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0);

test('two workers answer, one user sees one list, and /metrics counts both workers', async () => {
  const me = await signUp(url, 'cluster');
  const api = client(url, me.token);
  for (let i = 0; i < 10; i++) {
    const r = await api.post(`/api/${me.userId}/tasks`, { title: `t${i}` });
    assert.equal(r.status, 201);
  }
  const list = await api.get(`/api/${me.userId}/tasks`);
  assert.equal(list.body.length, 10);

  const before = healthzCount(await (await fetch(`${url}/metrics`)).text());
  for (let i = 0; i < 20; i++) {
    const r = await fetch(`${url}/healthz`, { headers: { connection: 'close' } });
    assert.equal(r.status, 200);
  }
  // whichever worker serves /metrics, the 20 are all there
  for (let i = 0; i < 4; i++) {
    const text = await (await fetch(`${url}/metrics`, { headers: { connection: 'close' } })).text();
    assert.equal(healthzCount(text) - before, 20);
  }
});

test('a revoked access token is refused by every worker at once; /mcp answers on any worker (stateless)', async () => {
  const me = await signUp(url, 'cluster-pat');
  const minted = await client(url, me.token).post(`/api/${me.userId}/tokens`, { name: 'cluster', scopes: ['tasks:read', 'tasks:write'] });
  assert.equal(minted.status, 201);
  const { id, token } = minted.body;
  // a new connection per request: the primary deals connections to the workers in turn
  const fresh = (path: string, init: RequestInit = {}) =>
    fetch(url + path, { ...init, headers: { connection: 'close', authorization: `Bearer ${token}`, ...init.headers } });

  // MCP: initialize, list and call on separate connections, so on different workers
  const rpc = (id: number, method: string, params: unknown = {}) =>
    fresh('/mcp', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
    });
  const init = await rpc(1, 'initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'cluster-test', version: '1' },
  });
  assert.equal(init.status, 200);
  assert.equal(init.headers.get('mcp-session-id'), null, 'no session to pin to a worker');
  for (let i = 0; i < 4; i++) {
    const call = await rpc(2 + i, 'tools/call', {
      name: 'add_tasks',
      arguments: { tasks: [{ title: `via mcp ${i}`, due: 'tomorrow 9am' }] },
    });
    assert.equal(call.status, 200);
    const body = (await call.json()) as any;
    assert.equal(body.result.isError, undefined, JSON.stringify(body));
  }
  const found = await rpc(9, 'tools/call', { name: 'find_tasks', arguments: { q: 'via mcp' } });
  assert.equal(((await found.json()) as any).result.structuredContent.total, 4);

  for (let i = 0; i < 6; i++) assert.equal((await fresh(`/api/${me.userId}/tasks?limit=1`)).status, 200);
  assert.equal((await client(url, me.token).del(`/api/${me.userId}/tokens/${id}`)).status, 204);
  const after: number[] = [];
  for (let i = 0; i < 12; i++) after.push((await fresh(`/api/${me.userId}/tasks?limit=1`)).status);
  after.push((await rpc(20, 'tools/list')).status);
  assert.deepEqual(after, Array(13).fill(401));
});

/** The command lines of a process's children (from /proc: each process's stat names its parent). */
function childCommandLines(pid: number): string[][] {
  const out: string[][] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      out.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

test('the workers run with the heap flags of src/worker-heap.ts, the primary without them', () => {
  const workers = childCommandLines(service.child.pid!).filter((args) => args.some((a) => a.endsWith('main.js')));
  assert.equal(workers.length, 2);
  for (const args of workers) {
    assert.ok(args.includes('--max-semi-space-size=8'), args.join(' '));
    assert.ok(args.includes('--heap-growing-percent=100'), args.join(' '));
  }
  const primary = readFileSync(`/proc/${service.child.pid}/cmdline`, 'utf8');
  assert.ok(!primary.includes('--max-semi-space-size'), primary);
});
