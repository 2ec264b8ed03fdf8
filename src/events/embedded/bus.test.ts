import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../logger.js';
import type { Db } from '../../db/types.js';
import { TransientError, type OutgoingMessage } from '../bus.js';
import { event, note, recorder } from '../testing.js';
import { EmbeddedBus } from './bus.js';

const log = createLogger('silent');

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
  await bus.emit([
    { seq: 1, topic: 'task-events', key: '7', payload: event(7, 1) },
    { seq: 2, topic: 'notifications', key: '7', payload: note('n2') },
    { seq: 3, topic: 'notifications', key: '7', payload: note('n3') },
    { seq: 4, topic: 'task-events', key: '7', payload: event(7, 4) },
  ]);
  assert.deepEqual(order, ['t1', 'n2', 'n3', 't4']);
});

test('EmbeddedBus: a poison message is dead-lettered at once and the rest of the batch delivered', async () => {
  const { db, rows } = deadLetterDb();
  const bus = new EmbeddedBus(db, log);
  const a = recorder('a', { poisonOn: ['t2'] });
  bus.subscribe(a.sub);
  await bus.emit([1, 2, 3].map((n) => ({ seq: n, topic: 'task-events', key: '7', payload: event(7, n) })));
  assert.deepEqual(a.seen, ['t1', 't3']);
  assert.equal(rows.length, 1);
  assert.match(rows[0]!.error, /^a: a cannot/);
});

test('EmbeddedBus: an unsubscribed consumer, or any after close, gets nothing', async () => {
  const bus = new EmbeddedBus(deadLetterDb().db, log);
  const [a, b] = [recorder('a'), recorder('b')];
  bus.subscribe(a.sub);
  bus.subscribe(b.sub);
  bus.unsubscribe('a');
  await bus.emit([{ seq: 1, topic: 'task-events', key: '7', payload: event(7, 1) }]);
  assert.deepEqual([a.seen, b.seen], [[], ['t1']]);
  await bus.close();
  await bus.emit([{ seq: 2, topic: 'task-events', key: '7', payload: event(7, 2) }]);
  assert.deepEqual(b.seen, ['t1']);
});
