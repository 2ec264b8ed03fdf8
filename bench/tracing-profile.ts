/**
 * `node --import tsx bench/tracing-profile.ts [mode…]`: where tracing's CPU goes, by function. The
 * built service (as bench:tracing runs it) under a paced create load, once per mode (`off`, `on@0`:
 * instrumented, nothing sampled, `on@1`: everything sampled), every process with `--cpu-prof`; the
 * profiles' samples are kept only for the paced load's window (the start and the shutdown are not
 * a request's cost) and summed by function and by package, in µs of CPU per request.
 *
 * Env: PROFILE_RATE (30), PROFILE_S (30), PROFILE_WARM_S (5: the unmeasured warm-up before, at the
 * same rate), PROFILE_KIND (create | list_search), PROFILE_TOP (40),
 * PROFILE_OUT (a folder to keep the .cpuprofile files in; default a temporary one).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { openEmbeddedDatabase } from '../src/db/embedded-postgres.js';
import { mintSessions } from './lib/api.js';
import { freePort, ROOT, startServer } from './lib/proc.js';
import { descendants } from './lib/cpu.js';
import { analyze, REALISTIC, seedTasks, seedUsers } from './lib/seed.js';
import { loadAvg } from './lib/machine.js';
import { log, rng, sleep } from './lib/util.js';
import { createRequest, listRequest } from './scenarios/http.js';

const RATE = Number(process.env.PROFILE_RATE ?? 30);
const SECONDS = Number(process.env.PROFILE_S ?? 30);
const KIND = process.env.PROFILE_KIND ?? 'create';
const TOP = Number(process.env.PROFILE_TOP ?? 40);
/** PROFILE_CALLERS=text: also the call stacks of the functions whose key contains it */
const CALLERS = process.env.PROFILE_CALLERS;
/** PROFILE_REUSE=1: analyse the profiles already in PROFILE_OUT (runs only the modes missing there) */
const REUSE = process.env.PROFILE_REUSE === '1';
/** PROFILE_INCLUSIVE=1: also each function's inclusive time (its own and its callees') */
const INCLUSIVE = process.env.PROFILE_INCLUSIVE === '1';
/** PROFILE_NONE=1: no profiler (it costs a thread of its own), only the CPU per thread from /proc */
const NO_PROFILE = process.env.PROFILE_NONE === '1';
/** PROFILE_NODE_ARGS='--trace-gc …': more node flags for the service (its workers get them too) */
const NODE_ARGS = (process.env.PROFILE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const modes = process.argv.slice(2).length ? process.argv.slice(2) : ['off', 'on@0', 'on@1'];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a function comes from: an npm package, node's own code, V8 (GC, idle, program), or ours. */
function packageOf(url: string, name: string): string {
  if (!url) return `(${name || 'anonymous'})`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const dist = url.indexOf('/dist/src/');
  return dist !== -1 ? `src/${url.slice(dist + '/dist/src/'.length).split('/')[0]}` : url;
}

/** Self time (µs) per function and per package, only the samples taken in [from, to] (µs, monotonic). */
function selfTimes(file: string, from: number, to: number) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  const folded = new Map<string, number>();
  const callers = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let t = p.startTime;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    const dt = p.timeDeltas[i + 1] ?? 0; // a sample stands for the time until the next one
    if (t < from || t > to) continue;
    const n = byId.get(p.samples[i]!)!;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') continue;
    const where = packageOf(url, functionName);
    const key = `${functionName || '(anonymous)'} ${where}${url ? `:${lineNumber + 1}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + dt);
    pkg.set(where, (pkg.get(where) ?? 0) + dt);
    // node's own code and natives charged to the nearest caller that is a package or ours
    let id: number | undefined = n.id;
    let owner = where;
    while (id !== undefined) {
      const f = byId.get(id)!.callFrame;
      const w = packageOf(f.url, f.functionName);
      if (f.url && !w.startsWith('node:')) {
        owner = w;
        break;
      }
      id = parent.get(id);
    }
    folded.set(owner, (folded.get(owner) ?? 0) + dt);
    // inclusive: each function on the sample's stack once
    const seen = new Set<string>();
    for (let up: number | undefined = n.id; up !== undefined; up = parent.get(up)) {
      const f = byId.get(up)!.callFrame;
      if (!f.url) continue;
      const k = `${f.functionName || '(anonymous)'} ${packageOf(f.url, f.functionName)}:${f.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
    if (CALLERS && key.includes(CALLERS)) {
      const stack: string[] = [];
      for (let up = parent.get(n.id); up !== undefined && stack.length < 8; up = parent.get(up)) {
        const f = byId.get(up)!.callFrame;
        stack.push(`${f.functionName || '(anon)'}@${packageOf(f.url, f.functionName)}:${f.lineNumber + 1}`);
      }
      const k = `${key} <- ${stack.join(' <- ')}`;
      callers.set(k, (callers.get(k) ?? 0) + dt);
    }
    total += dt;
  }
  return { fn, pkg, folded, callers, inclusive, total };
}

const add = (into: Map<string, number>, from: Map<string, number>) => {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
};

/** CPU ms per thread name (main thread, V8 workers, libuv pool, …) of the node processes below `pid`. */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of [pid, ...descendants(pid)]) {
    if (comm(`/proc/${p}/comm`) === 'postgres') continue;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${p}/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const name = comm(`/proc/${p}/task/${tid}/comm`).replace(/\d+$/, '#');
        out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) * 10);
      } catch {
        /* gone */
      }
    }
  }
  return out;
}

const comm = (file: string) => {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
};

interface Window {
  from: number;
  to: number;
  requests: number;
}

function summed(dir: string, w: Window) {
  const agg = {
    fn: new Map(),
    pkg: new Map(),
    folded: new Map(),
    callers: new Map(),
    inclusive: new Map(),
    total: 0,
    requests: w.requests,
  };
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const s = selfTimes(path.join(dir, f), w.from, w.to);
    for (const k of ['fn', 'pkg', 'folded', 'callers', 'inclusive'] as const) add(agg[k], s[k]);
    agg.total += s.total;
  }
  return agg;
}

const work = await mkdtemp(path.join(tmpdir(), 'taskstream-tracing-profile-'));
const out = process.env.PROFILE_OUT ?? path.join(work, 'profiles');
const dataDir = path.join(work, 'data');
const secret = randomBytes(32).toString('hex');
const users = Array.from({ length: 100 }, (_, i) => `prof-u${String(i + 1).padStart(3, '0')}`);
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
const sinkPort = await freePort();
await new Promise<void>((r) => sink.listen(sinkPort, '127.0.0.1', r));

type Times = Record<'fn' | 'pkg' | 'folded' | 'callers' | 'inclusive', Map<string, number>>;
const results: Record<string, Times & { total: number; requests: number }> = {};
try {
  if (modes.some((m) => !(REUSE && existsSync(path.join(out, m.replace(/[/=,]/g, '_'), 'window.json'))))) {
    log('seeding 10000 tasks of 100 users');
    const h = await openEmbeddedDatabase(dataDir);
    await seedUsers(h.db, users);
    await seedTasks(h.db, { userIds: users, count: 10_000, profile: REALISTIC });
    await analyze(h.db);
    await h.close();
  }
  const sessions = await mintSessions(secret, users);
  for (const mode of modes) {
    // `on@1,KEY=VALUE,…`: a variant with more environment
    const [base, ...extra] = mode.split(',');
    const ratio = base!.startsWith('on@') ? base!.slice(3) : undefined;
    const dir = path.join(out, mode.replace(/[/=,]/g, '_'));
    const windowFile = path.join(dir, 'window.json');
    if (REUSE && existsSync(windowFile)) {
      results[mode] = summed(dir, JSON.parse(readFileSync(windowFile, 'utf8')) as Window);
      continue;
    }
    await mkdir(dir, { recursive: true });
    const server = await startServer({
      dataDir,
      nodeArgs: ['--import', './dist/src/tracing/register.js', ...NODE_ARGS, ...(NO_PROFILE ? [] : ['--cpu-prof', '--cpu-prof-dir', dir])],
      env: {
        AUTH_SECRET: secret,
        LIMIT_WRITES_PER_SECOND: '100000',
        LIMIT_WRITE_BURST: '100000',
        ...(ratio && {
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
          OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
          OTEL_TRACES_SAMPLER_ARG: ratio,
        }),
        ...Object.fromEntries(extra.map((kv) => kv.split('=') as [string, string])),
      },
    });
    let requests = 0;
    let from = 0;
    let to = 0;
    try {
      const r = rng(7);
      const next = () => (KIND === 'create' ? createRequest(r, sessions) : listRequest(r, sessions));
      const run = (seconds: number) =>
        autocannon({
          url: server.url,
          connections: 8,
          overallRate: RATE,
          amount: RATE * seconds,
          requests: [{ setupRequest: (req) => ({ ...req, ...next() }) }],
        });
      await run(Number(process.env.PROFILE_WARM_S ?? 5)); // warm-up: JIT, caches, pools
      await sleep(1000);
      from = Number(process.hrtime.bigint() / 1000n);
      const threads0 = threadCpu(server.pid);
      const res = await run(SECONDS);
      await sleep(500); // the last events' relay and deliveries
      to = Number(process.hrtime.bigint() / 1000n);
      const threads1 = threadCpu(server.pid);
      const perThread = [...threads1].map(([name, ms]) => `${name} ${((ms - (threads0.get(name) ?? 0)) / (RATE * SECONDS)).toFixed(3)}`);
      log(`${mode}: CPU ms per ${KIND} by thread (node processes, /proc): ${perThread.join(', ')}`);
      requests = res.requests.total;
      if (res.non2xx || res.errors) throw new Error(`${res.non2xx} non-2xx, ${res.errors} errors`);
    } finally {
      await server.stop();
    }
    await sleep(500);
    writeFileSync(windowFile, JSON.stringify({ from, to, requests }));
    const agg = (results[mode] = summed(dir, { from, to, requests }));
    log(
      `${mode}: ${requests} ${KIND}s, ${(agg.total / requests / 1000).toFixed(3)} ms of node JS+GC per request (load ${loadAvg().join(' ')})`,
    );
  }

  const per = (mode: string, m: Map<string, number>, k: string) => (m.get(k) ?? 0) / results[mode]!.requests;
  const spread = (v: number[]) => Math.max(...v.map((x) => Math.abs(x - v[0]!)));
  const table = (what: keyof Times, top: number) => {
    const keys = new Set(modes.flatMap((m) => [...results[m]![what].keys()]));
    const base = modes[0]!;
    const last = modes[modes.length - 1]!;
    const rows = [...keys]
      .map((k) => ({ k, v: modes.map((m) => per(m, results[m]![what], k)) }))
      .sort((a, b) => spread(b.v) - spread(a.v))
      .slice(0, top);
    console.log(`\n${what}: self µs per ${KIND}, sorted by the largest difference from ${base}; Δ: ${last} − ${base}`);
    modes.forEach((m, i) => console.log(`  [${i}] ${m}`));
    console.log(`${modes.map((_, i) => `[${i}]`.padStart(9)).join('')}  ${'Δ'.padStart(8)}  name`);
    for (const { k, v } of rows)
      console.log(`${v.map((x) => x.toFixed(1).padStart(9)).join('')}  ${(v[v.length - 1]! - v[0]!).toFixed(1).padStart(8)}  ${k}`);
  };
  console.log(`\ntotal: ${modes.map((m) => `${m} ${(results[m]!.total / results[m]!.requests).toFixed(0)} µs`).join(', ')} per ${KIND}`);
  table('pkg', 30);
  table('folded', 30);
  table('fn', TOP);
  if (CALLERS) table('callers', TOP);
  if (INCLUSIVE) table('inclusive', TOP);
  console.log(`\nprofiles: ${out} (ROOT ${ROOT})`);
} finally {
  sink.close();
  // the profiles stay in PROFILE_OUT when it is given (outside this folder)
  await rm(work, { recursive: true, force: true });
}
