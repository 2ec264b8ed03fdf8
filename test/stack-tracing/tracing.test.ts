/**
 * One trace from the click to every consumer, in distributed mode: the stack with tracing on
 * (STACK_TRACING=1: Jaeger v2 built from its Go module, every app with OTEL_* pointing at it,
 * every daprd with dapr/config-local/tracing.yaml). The completion of a recurring task is sent
 * with a traceparent of the test's own, and the trace is read back through Jaeger's query API:
 * it must hold the HTTP span, the outbox relay's publish, daprd's spans (the bulk publish and the
 * delivery to the consumer), the recurring consumer's delivery, and the next occurrence's own
 * publish and delivery — one trace across the outbox, daprd and Kafka.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { client, eventually, signUp } from '../support/app.js';
import { stack, stackEnv, stackTestLock } from '../stack/support.js';

const API = 'http://127.0.0.1:8000';
let jaeger: string;
let unlock: (() => void) | undefined;

before(
  async () => {
    unlock = await stackTestLock();
    await stack('down');
    process.env.STACK_TRACING = '1';
    await stack('up');
    jaeger = (await stackEnv()).JAEGER_URL!;
  },
  { timeout: 900_000 },
);

after(async () => {
  delete process.env.STACK_TRACING;
  // the next suite starts its own stack: leave none with tracing on behind
  if (!process.env.KEEP_STACK) await stack('down');
  unlock?.();
});

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
  processID: string;
  tags: { key: string; value: unknown }[];
  service: string;
}

async function jaegerTrace(traceId: string): Promise<JaegerSpan[]> {
  const res = await fetch(`${jaeger}/api/traces/${traceId}`);
  if (res.status === 404) return [];
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { data: { spans: JaegerSpan[]; processes: Record<string, { serviceName: string }> }[] };
  const t = body.data[0];
  return t ? t.spans.map((s) => ({ ...s, service: t.processes[s.processID]!.serviceName })) : [];
}

const tag = (s: JaegerSpan, key: string) => s.tags.find((t) => t.key === key)?.value;

test(
  'one completion of a recurring task yields one trace through the outbox, daprd and Kafka to the next occurrence',
  { timeout: 300_000 },
  async () => {
    const me = await signUp(API, 'tracing');
    const api = client(API, me.token);
    const created = await api.post(`/api/${me.userId}/tasks`, {
      title: 'traced chore',
      due_date: '2031-01-06T09:00:00Z',
      timezone: 'UTC',
      recurrence: 'weekly',
    });
    assert.equal(created.status, 201);
    const id = (created.body as { id: number }).id;

    const traceId = randomBytes(16).toString('hex');
    const done = await api.patch(
      `/api/${me.userId}/tasks/${id}/complete`,
      { completed: true },
      {
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
    );
    assert.equal(done.status, 200);
    const next = await eventually(
      async () => {
        const list = await api.get(`/api/${me.userId}/tasks?status=pending`);
        return (list.body as { id: number; title: string }[]).find((t) => t.title === 'traced chore' && t.id !== id);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    const spans = await eventually(
      async () => {
        const all = await jaegerTrace(traceId);
        const publishes = all.filter((s) => s.operationName === 'task-events publish');
        const deliveries = all.filter((s) => s.operationName === 'task-events process recurring-task');
        // daprd exports on its own schedule (a batch every few seconds): wait for its delivery spans too
        const daprd = all.filter((s) => s.operationName === 'pubsub/task-events');
        return publishes.length >= 2 && deliveries.length >= 2 && daprd.length >= 2 ? all : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    const byId = new Map(spans.map((s) => [s.spanID, s]));
    const parentOf = (s: JaegerSpan) => byId.get(s.references.find((r) => r.refType === 'CHILD_OF')?.spanID ?? '');
    const ancestors = (s: JaegerSpan): JaegerSpan[] => {
      const out: JaegerSpan[] = [];
      for (let p = parentOf(s); p; p = parentOf(p)) out.push(p);
      return out;
    };
    const names = spans.map((s) => `${s.service}:${s.operationName}`).join(', ');

    const http = spans.find(
      (s) =>
        s.service === 'todo-backend' &&
        tag(s, 'span.kind') === 'server' &&
        /complete/.test(String(tag(s, 'http.route') ?? s.operationName)),
    );
    assert.ok(http, `the HTTP request's span (have: ${names})`);
    const publish = spans.find((s) => s.operationName === 'task-events publish' && ancestors(s).includes(http));
    assert.ok(publish, `the outbox relay's publish continues the request's trace (have: ${names})`);
    // daprd's spans: its bulk publish (under the relay's call) and its delivery to the consumer app
    const daprPublish = spans.find((s) => /publish\/bulk/.test(s.operationName) && ancestors(s).includes(publish));
    assert.ok(daprPublish, `daprd's publish span (have: ${names})`);
    const daprDelivery = spans.find((s) => s.operationName === 'pubsub/task-events' && ancestors(s).includes(publish));
    assert.ok(daprDelivery, `daprd's delivery span (have: ${names})`);

    const delivery = spans.find(
      (s) =>
        s.operationName === 'task-events process recurring-task' &&
        s.service === 'todo-recurring' &&
        tag(s, 'taskstream.task.spawned_from') === id,
    );
    assert.ok(delivery, `the recurring consumer's delivery (have: ${names})`);
    assert.ok(ancestors(delivery).includes(publish), 'the delivery descends from the relay publish');
    assert.equal(tag(delivery, 'taskstream.task.id'), next.id, 'the delivery names the occurrence it spawned');

    // the next occurrence's own events: its 'created' published under the delivery, and delivered again
    const nextPublish = spans.find((s) => s.operationName === 'task-events publish' && ancestors(s).includes(delivery));
    assert.ok(nextPublish, `the next occurrence's publish (have: ${names})`);
    const nextDelivery = spans.find((s) => s.operationName.startsWith('task-events process') && ancestors(s).includes(nextPublish));
    assert.ok(nextDelivery, `the next occurrence's event delivered in the same trace (have: ${names})`);
  },
);
