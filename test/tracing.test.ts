/**
 * OpenTelemetry in embedded mode, the way `npm start` runs it (the built service, a cluster of two
 * workers, `--import` of the register module): spans go over OTLP/HTTP (JSON) to a receiver in
 * this test. One completion of a recurring task must make ONE trace that holds the HTTP request,
 * the outbox relay's publish, the recurring consumer's delivery and the next occurrence's own
 * publish and deliveries: the trace survives the outbox. Off by default: without OTEL_* the SDK
 * is not loaded at all.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { client, eventually, signUp } from './support/app.js';
import { freePort, spawnService, type SpawnedService } from './support/service.js';
import { tracingRequested } from '../src/tracing/enabled.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  links?: { traceId: string; spanId: string }[];
  attributes?: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
  service: string;
}

const spans: Span[] = [];
let receiver: Server;
let service: SpawnedService;
let url: string;

/** The OTLP/HTTP JSON body: resourceSpans[].scopeSpans[].spans[], the service name on the resource. */
function collect(body: any): void {
  for (const rs of body.resourceSpans ?? []) {
    const service = rs.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue ?? '?';
    for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ ...s, service });
  }
}

before(async () => {
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      if (req.url === '/v1/traces') collect(JSON.parse(text));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const otlpPort = await freePort();
  await new Promise<void>((r) => receiver.listen(otlpPort, '127.0.0.1', r));

  service = await spawnService(
    'traced service',
    {
      WEB_CONCURRENCY: '2',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    },
    { readyWithinMs: 90_000, nodeArgs: ['--import', './dist/src/tracing/register.js'] },
  );
  url = service.url;
});

after(async () => {
  await service?.stop();
  await new Promise((r) => receiver?.close(r));
});

const attr = (s: Span, key: string) => {
  const v = s.attributes?.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue === undefined ? undefined : Number(v.intValue));
};

test('one completion of a recurring task is one trace: HTTP → outbox publish → recurring consumer → next occurrence’s events', async () => {
  const me = await signUp(url, 'tracing');
  const api = client(url, me.token);
  const created = await api.post(`/api/${me.userId}/tasks`, {
    title: 'water the plants',
    due_date: '2031-01-06T09:00:00Z',
    timezone: 'UTC',
    recurrence: 'weekly',
  });
  assert.equal(created.status, 201);
  const id = (created.body as { id: number }).id;
  const done = await api.patch(`/api/${me.userId}/tasks/${id}/complete`, { completed: true });
  assert.equal(done.status, 200);
  const next = await eventually(async () => {
    const list = await api.get(`/api/${me.userId}/tasks?status=pending`);
    return (list.body as { id: number; title: string }[]).find((t) => t.title === 'water the plants' && t.id !== id);
  });

  const trace = await eventually(
    async () => {
      const http = spans.find((s) => s.kind === 2 && /complete/.test(String(attr(s, 'http.route') ?? attr(s, 'url.path') ?? s.name)));
      if (!http) return undefined;
      const inTrace = spans.filter((s) => s.traceId === http.traceId);
      // the next occurrence's 'created' event published and delivered (its history row) in the same trace
      const publishes = inTrace.filter((s) => s.name === 'task-events publish');
      const history = inTrace.filter((s) => s.name.startsWith('task-events process') && s.name !== 'task-events process recurring-task');
      return publishes.length >= 2 && history.length >= 2 ? { http, inTrace, publishes } : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
  const byId = new Map(trace.inTrace.map((s) => [s.spanId, s]));
  const ancestors = (s: Span): string[] => {
    const names: string[] = [];
    for (let p = s.parentSpanId && byId.get(s.parentSpanId); p; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined)
      names.push(p.name);
    return names;
  };
  const recurring = trace.inTrace.find(
    (s) => s.name === 'task-events process recurring-task' && attr(s, 'taskstream.task.spawned_from') === id,
  );
  assert.ok(recurring, `the recurring consumer's delivery is in the trace (have: ${trace.inTrace.map((s) => s.name).join(', ')})`);
  assert.equal(attr(recurring, 'taskstream.task.id'), next.id, 'the delivery names the occurrence it spawned');
  assert.ok(ancestors(recurring).includes('task-events publish'), 'the delivery continues the relay publish');
  // the second publish (the occurrence's 'created') descends from the recurring consumer's delivery
  const second = trace.publishes.find((p) => ancestors(p).includes('task-events process recurring-task'));
  assert.ok(second, 'the next occurrence’s event is published in the same trace, under the delivery that made it');
  assert.ok(
    trace.inTrace.some(
      (s) => s.name.startsWith('pg') || attr(s, 'db.system') === 'postgresql' || attr(s, 'db.system.name') === 'postgresql',
    ),
    'pg queries are spans of the trace',
  );
});

test('tracing is off by default: the register module loads no SDK', () => {
  assert.equal(tracingRequested({}), false);
  assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' }), false);
  assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' }), true);
  assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }), false);
  const probe = spawnSync(
    process.execPath,
    [
      '--import',
      './dist/src/tracing/register.js',
      '-e',
      "console.log(JSON.stringify({ started: globalThis[Symbol.for('taskstream.tracing')] !== undefined, sdk: Object.keys(require.cache).some((k) => k.includes('@opentelemetry/sdk')) }))",
    ],
    { cwd: ROOT, env: { PATH: process.env.PATH }, encoding: 'utf8' },
  );
  assert.equal(probe.status, 0, probe.stderr);
  assert.deepEqual(JSON.parse(probe.stdout), { started: false, sdk: false });
});
