/**
 * The trace-context helpers, the pg instrumentation's early exits and the spans of a group-commit
 * batch and of a delivery, against the real SDK (spans kept in memory, sampler parent-based
 * always-on, so a remote parent's flag decides).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import {
  activeTraceparent,
  context,
  contextOf,
  inBatchSpan,
  isSampled,
  markTracingStarted,
  querySpanWanted,
  spanContextOf,
  tracer,
} from './context.js';
import { isTransactionControl, OVERRIDDEN, pgInstrumentation } from './pg.js';
import { GroupCommit } from '../db/group-commit.js';
import { deliverMany } from '../events/dispatch.js';
import { event, recorder } from '../events/testing.js';
import { createLogger } from '../logger.js';

const pg = pgInstrumentation({});
const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
const sdk = new NodeSDK({ spanProcessors: [processor], instrumentations: [pg] });
sdk.start();
markTracingStarted(() => sdk.shutdown());

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SAMPLED = `00-${TRACE_ID}-b7ad6b7169203331-01`;
const UNSAMPLED = `00-${TRACE_ID}-b7ad6b7169203331-00`;
/** The spans ended so far (the processor exports each on its own tick). */
const spans = async () => {
  await processor.forceFlush();
  return exporter.getFinishedSpans();
};

/** Runs fn under a new recording span, as a sampled request's handler runs. */
const inRequest = async <T>(fn: () => T | Promise<T>): Promise<T> => {
  const span = tracer().startSpan('request');
  try {
    return await context.with(trace.setSpan(ROOT_CONTEXT, span), fn);
  } finally {
    span.end();
  }
};

const reset = async () => {
  await processor.forceFlush();
  exporter.reset();
};

test("a traceparent is written and read as the W3C propagator does, and says whether it's sampled", async () => {
  await inRequest(() => {
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    assert.equal(activeTraceparent(), carrier.traceparent);
  });
  assert.equal(activeTraceparent(ROOT_CONTEXT), null);
  assert.deepEqual(spanContextOf(SAMPLED), { traceId: TRACE_ID, spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true });
  assert.equal(isSampled(spanContextOf(SAMPLED)), true);
  assert.equal(isSampled(spanContextOf(UNSAMPLED)), false);
  assert.equal(activeTraceparent(contextOf(UNSAMPLED)), UNSAMPLED);
  for (const bad of [null, '', 'garbage', `00-${'0'.repeat(32)}-b7ad6b7169203331-01`, `00-${TRACE_ID}-${'0'.repeat(16)}-01`])
    assert.equal(spanContextOf(bad), undefined, String(bad));
  // another version goes through the propagator (which reads its first four fields)
  assert.equal(spanContextOf(`01-${TRACE_ID}-b7ad6b7169203331-01-what-follows`)?.spanId, 'b7ad6b7169203331');
});

test('transaction control statements are recognised by their command, whatever the case', () => {
  for (const sql of ['begin', 'BEGIN', ' start transaction isolation level serializable', 'commit', 'ROLLBACK TO SAVEPOINT command'])
    assert.equal(isTransactionControl(sql), true, sql);
  assert.equal(isTransactionControl('RELEASE SAVEPOINT command; SAVEPOINT command'), true);
  for (const sql of ['select 1', 'insert into "tasks" values ($1)', 'BEGINNING', '', 'with x as (select 1) select * from x'])
    assert.equal(isTransactionControl(sql), false, sql);
});

test('the pg instrumentation methods overridden here exist in the installed version', () => {
  for (const name of OVERRIDDEN) assert.equal(typeof (PgInstrumentation.prototype as never)[name], 'function', name);
});

test('a query gets a span only under a recording span, outside a batch span, and never BEGIN/COMMIT', async () => {
  const internals = pg as unknown as { _getClientQueryPatch(): (q: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown };
  const sent: unknown[] = [];
  const query = internals._getClientQueryPatch()(async (arg: unknown) => {
    sent.push(arg);
    return { command: 'SELECT', rowCount: 0, rows: [] };
  });
  const client = { database: 'db', connectionParameters: { database: 'db', host: '/tmp/socket', port: 5432, user: 'u' } };
  const run = (arg: unknown) => query.call(client, arg) as Promise<unknown>;
  await reset();
  await run('SELECT 1'); // no span at all
  await context.with(contextOf(UNSAMPLED), () => run('SELECT 2')); // an unsampled request
  await inRequest(async () => {
    await run('begin');
    await run({ name: 'h4sh', text: 'insert into "tasks" ("title") values ($1)', values: ['x'] });
    await run('commit');
  });
  await inBatchSpan('tasks insert', [SAMPLED], () => run('SELECT 3'));
  assert.equal(sent.length, 6, 'every query was sent');
  assert.deepEqual(
    (await spans()).map((s) => s.name),
    ['pg.query:INSERT db', 'request', 'tasks insert'],
    'one query span: the sampled request’s INSERT, named by its command',
  );
});

test('a group-commit batch is one span: child of the first sampled item, linked to every item', async () => {
  await reset();
  const seenContexts: (string | null)[] = [];
  const commit = new GroupCommit<number, number>({
    writeMany: async (items) => {
      seenContexts.push(activeTraceparent());
      return items;
    },
    writeOne: async (item) => item,
    maxBatch: 8,
    span: 'things insert',
  });
  const other = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
  await Promise.all([
    context.with(contextOf(UNSAMPLED), () => commit.submit(1)),
    context.with(contextOf(SAMPLED), () => commit.submit(2)),
    context.with(contextOf(other), () => commit.submit(3)),
  ]);
  // the first item is written alone (nothing waits for a batch to fill), the next two together
  const batches = (await spans()).filter((s) => s.name === 'things insert');
  assert.equal(batches.length, 1, 'the unsampled lone item has no span');
  assert.equal(batches[0]!.parentSpanContext?.spanId, 'b7ad6b7169203331');
  assert.deepEqual(
    batches[0]!.links.map((l) => l.context.traceId),
    [TRACE_ID, '1'.repeat(32)],
  );
  assert.equal(batches[0]!.attributes['taskstream.batch.size'], 2);
  assert.equal(seenContexts.at(-1), `00-${TRACE_ID}-${batches[0]!.spanContext().spanId}-01`, 'the batch runs under its span');
});

test('a delivery of a sampled message is a CONSUMER span under it; of an unsampled one, no span but the same decision', async () => {
  await reset();
  const log = createLogger('silent');
  const inside: (string | null)[] = [];
  const { sub } = recorder('audit');
  const handle = sub.handle as (e: unknown) => Promise<void>;
  sub.handle = async (e: Parameters<typeof handle>[0]) => {
    inside.push(activeTraceparent());
    await handle(e);
  };
  await deliverMany([sub], 'task-events', [event(1, 1)], log, [{ traceparent: SAMPLED }]);
  await deliverMany([sub], 'task-events', [event(1, 2)], log, [{ traceparent: UNSAMPLED }]);
  const consumer = (await spans()).filter((s) => s.name === 'task-events process audit');
  assert.equal(consumer.length, 1);
  assert.equal(consumer[0]!.parentSpanContext?.spanId, 'b7ad6b7169203331');
  assert.equal(inside[0], `00-${TRACE_ID}-${consumer[0]!.spanContext().spanId}-01`);
  assert.equal(inside[1], UNSAMPLED, 'what the consumer writes carries the unsampled decision on');
  assert.equal(trace.getSpanContext(contextOf(inside[1]))?.traceFlags, TraceFlags.NONE);
});

test("a one-statement consumer's delivery span stands for its statement: no query span under it", async () => {
  await reset();
  const log = createLogger('silent');
  const wanted: Record<string, boolean> = {};
  const sub = (name: string, oneStatement?: true) => ({
    name,
    topic: 'task-events' as const,
    handle: async () => void (wanted[name] = querySpanWanted()),
    ...(oneStatement ? { oneStatement } : {}),
  });
  await deliverMany([sub('several'), sub('one', true)], 'task-events', [event(1, 1)], log, [{ traceparent: SAMPLED }]);
  assert.deepEqual(wanted, { several: true, one: false });
  const names = (await spans()).map((s) => s.name).sort();
  assert.deepEqual(names, ['task-events process one', 'task-events process several'], 'both deliveries still have their span');
});

test('a delivery of an event its consumer does not accept records no span', async () => {
  await reset();
  const log = createLogger('silent');
  const { sub, seen } = recorder('picky');
  sub.accepts = (e) => e.event_type === 'completed';
  await deliverMany([sub], 'task-events', [event(1, 1)], log, [{ traceparent: SAMPLED }]);
  await deliverMany([sub], 'task-events', [{ ...event(1, 2), event_type: 'completed' as const }], log, [{ traceparent: SAMPLED }]);
  assert.deepEqual(seen, ['t2']);
  assert.deepEqual(
    (await spans()).map((s) => s.name),
    ['task-events process picky'],
    'one span: the completion’s',
  );
});
