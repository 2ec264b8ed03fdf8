import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../logger.js';
import { deliver, deliverMany } from './dispatch.js';
import { event, recorder } from './testing.js';

const log = createLogger('silent');

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

test('deliverMany: a consumer that accepts only some events gets those, in order, and the others succeed without it', async () => {
  const even = recorder('even', { many: true });
  even.sub.accepts = (e) => Number(e.data.title.slice(1)) % 2 === 0;
  const all = recorder('all');
  const results = await deliverMany(
    [even.sub, all.sub],
    'task-events',
    [1, 2, 3, 4, 5].map((n) => event(7, n)),
    log,
  );
  assert.deepEqual(
    results.map((r) => r.outcome),
    ['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS'],
  );
  assert.deepEqual(even.seen, ['t2', 't4']);
  assert.deepEqual(even.batches, [2], 'the accepted ones still go as one batch');
  assert.deepEqual(all.seen, ['t1', 't2', 't3', 't4', 't5']);
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
