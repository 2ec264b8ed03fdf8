import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createLogger } from '../logger.js';
import type { Db } from '../db/types.js';
import { PoisonMessageError, TransientError, type AnySubscription, type OutgoingMessage } from './bus.js';
import { deliver, deliverMany } from './dispatch.js';
import { EmbeddedBus } from './embedded/bus.js';
import type { TaskEvent } from './schemas.js';

const log = createLogger('silent');

function event(taskId: number, n: number): TaskEvent {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  return {
    event_id: randomUUID(),
    event_type: 'updated',
    task_id: taskId,
    user_id: 'u1',
    timestamp: at,
    data: {
      id: taskId,
      user_id: 'u1',
      title: `t${n}`,
      description: '',
      completed: false,
      status: 'pending',
      completed_at: null,
      priority: 'none',
      tags: [],
      due_date: null,
      timezone: 'UTC',
      reminders: [],
      recurrence: null,
      recurrence_basis: 'due_date',
      series_id: null,
      created_at: at,
      updated_at: at,
      version: n,
    },
  };
}

/** A consumer that records what it saw and fails on the titles it is told to. */
function recorder(name: string, opts: { retryOn?: string[]; poisonOn?: string[]; many?: boolean } = {}) {
  const seen: string[] = [];
  const batches: number[] = [];
  const check = (e: TaskEvent) => {
    if (opts.retryOn?.includes(e.data.title)) throw new TransientError(`${name} busy`);
    if (opts.poisonOn?.includes(e.data.title)) throw new PoisonMessageError(`${name} cannot`);
  };
  const sub: AnySubscription = {
    name,
    topic: 'task-events',
    async handle(e: TaskEvent) {
      check(e);
      seen.push(e.data.title);
    },
    ...(opts.many
      ? {
          async handleMany(es: TaskEvent[]) {
            es.forEach(check); // all or nothing, like one INSERT
            batches.push(es.length);
            seen.push(...es.map((e) => e.data.title));
          },
        }
      : {}),
  };
  return { sub, seen, batches };
}

test('deliverMany: every consumer sees every event in order; handleMany takes the batch at once', async () => {
  const a = recorder('a', { many: true });
  const b = recorder('b');
  const events = [1, 2, 3, 4].map((n) => event(7, n));
  const results = await deliverMany([a.sub, b.sub], 'task-events', events, log);
  assert.deepEqual(
    results.map((r) => r.outcome),
    ['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS'],
  );
  assert.deepEqual(a.batches, [4]);
  assert.deepEqual(a.seen, ['t1', 't2', 't3', 't4']);
  assert.deepEqual(b.seen, ['t1', 't2', 't3', 't4']);
});

test('deliverMany: a RETRY stops that event and every later one; earlier ones reach every consumer', async () => {
  const a = recorder('a');
  const b = recorder('b', { retryOn: ['t3'] });
  const c = recorder('c', { many: true });
  const results = await deliverMany(
    [a.sub, b.sub, c.sub],
    'task-events',
    [1, 2, 3, 4].map((n) => event(7, n)),
    log,
  );
  assert.deepEqual(
    results.map((r) => r.outcome),
    ['SUCCESS', 'SUCCESS', 'RETRY', 'RETRY'],
  );
  assert.match(results[2]!.error ?? '', /^b: /);
  assert.deepEqual(b.seen, ['t1', 't2']);
  assert.deepEqual(c.seen, ['t1', 't2'], 'later consumers get only the events before the retried one');
});

test('deliverMany: when handleMany fails, the batch is handled one by one and only the poison event is dropped', async () => {
  const a = recorder('a', { many: true, poisonOn: ['t2'] });
  const results = await deliverMany(
    [a.sub],
    'task-events',
    [1, 2, 3].map((n) => event(7, n)),
    log,
  );
  assert.deepEqual(
    results.map((r) => r.outcome),
    ['SUCCESS', 'DROP', 'SUCCESS'],
  );
  assert.deepEqual(a.seen, ['t1', 't3']);
});

test('deliverMany: a schema-invalid message is dropped without reaching consumers; the others are delivered', async () => {
  const a = recorder('a', { many: true });
  const results = await deliverMany([a.sub], 'task-events', [event(7, 1), { nonsense: true }, event(7, 3)], log);
  assert.deepEqual(
    results.map((r) => r.outcome),
    ['SUCCESS', 'DROP', 'SUCCESS'],
  );
  assert.deepEqual(a.seen, ['t1', 't3']);
});

test('deliver (one message) keeps its contract: first RETRY wins, DROP when a consumer drops it', async () => {
  assert.equal((await deliver([recorder('a').sub], 'task-events', event(1, 1), log)).outcome, 'SUCCESS');
  const dropped = await deliver([recorder('a', { poisonOn: ['t1'] }).sub, recorder('b').sub], 'task-events', event(1, 1), log);
  assert.equal(dropped.outcome, 'DROP');
  const retried = await deliver(
    [recorder('a', { poisonOn: ['t1'] }).sub, recorder('b', { retryOn: ['t1'] }).sub],
    'task-events',
    event(1, 1),
    log,
  );
  assert.equal(retried.outcome, 'RETRY');
});

/** The database of EmbeddedBus is only used for dead letters. */
function deadLetterDb() {
  const rows: { payload: string; error: string }[] = [];
  const db = {
    insertInto: () => ({
      values: (v: { payload: string; error: string }) => ({
        execute: async () => {
          rows.push(v);
        },
      }),
    }),
  } as unknown as Db;
  return { db, rows };
}

test('EmbeddedBus: a RETRY fails emit (the relay keeps the batch); after MAX_ATTEMPTS the message is dead-lettered and the rest delivered', async () => {
  const { db, rows } = deadLetterDb();
  const bus = new EmbeddedBus(db, log);
  const a = recorder('a', { many: true, retryOn: ['t2'] });
  bus.subscribe(a.sub);
  const messages: OutgoingMessage[] = [1, 2, 3].map((n) => ({ seq: n, topic: 'task-events', key: '7', payload: event(7, n) }));
  for (let i = 1; i < EmbeddedBus.MAX_ATTEMPTS; i++) await assert.rejects(bus.emit(messages), TransientError);
  assert.equal(rows.length, 0);
  a.seen.length = 0;
  await bus.emit(messages);
  assert.equal(rows.length, 1, 'the message that kept failing is dead-lettered');
  assert.match(rows[0]!.error, /busy/);
  assert.deepEqual(a.seen, ['t1', 't3'], 'the message after it is delivered in the same emit');
});

test('EmbeddedBus: runs of topics are delivered in outbox order', async () => {
  const { db } = deadLetterDb();
  const bus = new EmbeddedBus(db, log);
  const order: string[] = [];
  bus.subscribe({
    name: 'tasks',
    topic: 'task-events',
    handle: async (e) => void order.push(e.data.title),
  });
  bus.subscribe({
    name: 'notes',
    topic: 'notifications',
    handle: async (n) => void order.push(n.title),
  });
  const note = (title: string) => ({
    notification_id: randomUUID(),
    type: 'reminder' as const,
    user_id: 'u1',
    task_id: 7,
    title,
    body: 'b',
    due_date: null,
    remind_at: '2026-01-01T00:00:00Z',
    late: false,
    timestamp: '2026-01-01T00:00:00Z',
  });
  await bus.emit([
    { seq: 1, topic: 'task-events', key: '7', payload: event(7, 1) },
    { seq: 2, topic: 'notifications', key: '7', payload: note('n2') },
    { seq: 3, topic: 'notifications', key: '7', payload: note('n3') },
    { seq: 4, topic: 'task-events', key: '7', payload: event(7, 4) },
  ]);
  assert.deepEqual(order, ['t1', 'n2', 'n3', 't4']);
});
