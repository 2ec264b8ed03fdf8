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
import { chainComplete, completionChain, jaegerTrace, tagOf } from '../support/jaeger.js';
import { stack, stackEnv, stackTestLock } from './support.js';

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

    // Every process exports on its own schedule (the apps every 500 ms, each daprd every few
    // seconds): read the trace until every link of the chain is there, or the deadline passes.
    let spans = (await jaegerTrace(jaeger, traceId))?.spans ?? [];
    let chain = completionChain(spans, id);
    for (const deadline = Date.now() + 60_000; !chainComplete(chain) && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 1000));
      spans = (await jaegerTrace(jaeger, traceId))?.spans ?? [];
      chain = completionChain(spans, id);
    }
    const names = spans.map((s) => `${s.service}:${s.operationName}`).join(', ');

    assert.ok(chain.http, `the HTTP request's span (have: ${names})`);
    assert.ok(chain.publish, `the outbox relay's publish continues the request's trace (have: ${names})`);
    assert.ok(chain.daprPublish, `daprd's publish span (have: ${names})`);
    assert.ok(chain.daprDelivery, `daprd's delivery span (have: ${names})`);
    assert.ok(chain.delivery, `the recurring consumer's delivery (have: ${names})`);
    assert.ok(chain.deliveryUnderPublish, `the delivery descends from the relay publish (have: ${names})`);
    assert.equal(tagOf(chain.delivery, 'taskstream.task.id'), next.id, 'the delivery names the occurrence it spawned');
    // the next occurrence's own events: its 'created' published under the delivery, and delivered again
    assert.ok(chain.nextPublish, `the next occurrence's publish (have: ${names})`);
    assert.ok(chain.nextDelivery, `the next occurrence's event delivered in the same trace (have: ${names})`);
  },
);
