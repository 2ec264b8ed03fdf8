/**
 * `node --import tsx bench/tracing-census.ts`: what a create and a list record with tracing on
 * (sampling 1): the built service exports OTLP/JSON to a sink here, which counts the spans by name
 * and their encoded size. Env: CENSUS_N (40 requests of each kind).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEmbeddedDatabase } from '../src/db/embedded-postgres.js';
import { mintSessions } from './lib/api.js';
import { freePort, startServer } from './lib/proc.js';
import { analyze, REALISTIC, seedTasks, seedUsers } from './lib/seed.js';
import { rng, sleep } from './lib/util.js';
import { createRequest, listRequest } from './scenarios/http.js';

const N = Number(process.env.CENSUS_N ?? 40);
interface OtlpSpan {
  name: string;
  spanId: string;
  parentSpanId?: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
}
let spans: OtlpSpan[] = [];
let bytes = 0;
const sink = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    bytes += body.length;
    const doc = JSON.parse(body.toString()) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
    for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
const sinkPort = await freePort();
await new Promise<void>((r) => sink.listen(sinkPort, '127.0.0.1', r));
const work = await mkdtemp(path.join(tmpdir(), 'taskstream-census-'));
const dataDir = path.join(work, 'data');
const secret = randomBytes(32).toString('hex');
const users = Array.from({ length: 20 }, (_, i) => `census-u${i + 1}`);
try {
  const h = await openEmbeddedDatabase(dataDir);
  await seedUsers(h.db, users);
  await seedTasks(h.db, { userIds: users, count: 2000, profile: REALISTIC });
  await analyze(h.db);
  await h.close();
  const sessions = await mintSessions(secret, users);
  const server = await startServer({
    dataDir,
    nodeArgs: ['--import', './dist/src/tracing/register.js'],
    env: {
      AUTH_SECRET: secret,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    },
  });
  try {
    const r = rng(3);
    for (const kind of ['create', 'list'] as const) {
      await sleep(1500);
      spans = [];
      bytes = 0;
      for (let i = 0; i < N; i++) {
        const req = kind === 'create' ? createRequest(r, sessions) : listRequest(r, sessions);
        const res = await fetch(server.url + req.path, {
          method: req.method,
          headers: req.headers as Record<string, string>,
          body: req.body as string,
        });
        if (!res.ok) throw new Error(`${kind}: ${res.status} ${await res.text()}`);
        await sleep(50);
      }
      await sleep(1500);
      const byName = new Map<string, number>();
      const ids = new Map(spans.map((s) => [s.spanId, s.name]));
      for (const s of spans) {
        const parent = s.parentSpanId ? (ids.get(s.parentSpanId) ?? '(not exported)') : '(root)';
        const text = s.attributes?.find((a) => a.key === 'db.query.text')?.value.stringValue as string | undefined;
        const k = `${text ? text.replace(/\s+/g, ' ').slice(0, 90) : s.name}  ← ${parent}`;
        byName.set(k, (byName.get(k) ?? 0) + 1);
      }
      console.log(`\n${kind}: ${(spans.length / N).toFixed(2)} spans per request, ${(bytes / N).toFixed(0)} bytes of OTLP/JSON`);
      for (const [name, n] of [...byName].sort((a, b) => b[1] - a[1])) console.log(`${(n / N).toFixed(2).padStart(7)}  ${name}`);
      const keys = new Map<string, number>();
      for (const s of spans) for (const a of s.attributes ?? []) keys.set(a.key, (keys.get(a.key) ?? 0) + JSON.stringify(a.value).length);
      console.log(
        '  attribute bytes per request:',
        [...keys]
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${(v / N).toFixed(0)}`)
          .join(', '),
      );
    }
  } finally {
    await server.stop();
  }
} finally {
  sink.close();
  await rm(work, { recursive: true, force: true });
}
