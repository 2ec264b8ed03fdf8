import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../logger.js';
import type { BulkPublishEntry, DaprClient } from '../../dapr/client.js';
import type { OutgoingMessage } from '../bus.js';
import { event, note, recorder } from '../testing.js';
import { DaprBus } from './bus.js';

const log = createLogger('silent');

/** A sidecar that records each bulk publish, or refuses them all while `down`. */
function sidecar() {
  const calls: { pubsub: string; topic: string; entries: BulkPublishEntry[] }[] = [];
  const state = { down: false };
  const client = {
    async publishBulk(pubsub: string, topic: string, entries: BulkPublishEntry[]) {
      if (state.down) throw new Error('sidecar unavailable');
      calls.push({ pubsub, topic, entries });
    },
  } as unknown as DaprClient;
  return { client, calls, state };
}

const taskMessage = (seq: number, traceparent?: string): OutgoingMessage => ({
  seq,
  topic: 'task-events',
  key: '7',
  payload: event(7, seq),
  traceparent,
});
const noteMessage = (seq: number): OutgoingMessage => ({ seq, topic: 'notifications', key: '7', payload: note(`n${seq}`) });

test('DaprBus.emit: one bulk publish per run of a topic, in outbox order, keyed and traced per message', async () => {
  const { client, calls } = sidecar();
  const bus = new DaprBus(client, 'todo-pubsub', log);
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const messages = [taskMessage(1, traceparent), taskMessage(2), noteMessage(3), taskMessage(4)];
  await bus.emit(messages);
  assert.deepEqual(
    calls.map((c) => [c.pubsub, c.topic, c.entries.map((e) => e.entryId)]),
    [
      ['todo-pubsub', 'task-events', ['1', '2']],
      ['todo-pubsub', 'notifications', ['3']],
      ['todo-pubsub', 'task-events', ['4']],
    ],
  );
  const [first, second] = calls[0]!.entries;
  assert.deepEqual(first!.metadata, { partitionKey: '7', 'cloudevent.traceparent': traceparent });
  assert.deepEqual(second!.metadata, { partitionKey: '7' });
  assert.equal(first!.contentType, 'application/json');
  assert.equal(first!.event, messages[0]!.payload, 'the event itself: daprd wraps it in a CloudEvent');
});

test('DaprBus.emit: a refused publish rejects, so the relay keeps the rows', async () => {
  const { client, state } = sidecar();
  state.down = true;
  await assert.rejects(new DaprBus(client, 'todo-pubsub', log).emit([taskMessage(1)]), /sidecar unavailable/);
});

test('DaprBus: one subscription route per topic and delivery group; a delivery reaches only its own consumers', async () => {
  const bus = new DaprBus(sidecar().client, 'todo-pubsub', log);
  const main = recorder('main');
  const grouped = recorder('grouped');
  bus.subscribe(main.sub);
  bus.subscribe({ ...grouped.sub, group: 'webhooks' });
  assert.deepEqual(bus.routes(), [
    { topic: 'task-events', group: undefined },
    { topic: 'task-events', group: 'webhooks' },
  ]);
  assert.equal((await bus.receive('task-events', event(7, 1))).outcome, 'SUCCESS');
  assert.deepEqual([main.seen, grouped.seen], [['t1'], []]);
  const results = await bus.receiveMany('task-events', [event(7, 2), event(7, 3)], 'webhooks');
  assert.deepEqual(
    results.map((r) => r.outcome),
    ['SUCCESS', 'SUCCESS'],
  );
  assert.deepEqual([main.seen, grouped.seen], [['t1'], ['t2', 't3']]);
});

test("DaprBus: a poison message is DROPped on the topic's main subscription, acknowledged on a group's", async () => {
  const bus = new DaprBus(sidecar().client, 'todo-pubsub', log);
  bus.subscribe(recorder('main', { poisonOn: ['t1'] }).sub);
  bus.subscribe({ ...recorder('grouped', { poisonOn: ['t1'] }).sub, group: 'webhooks' });
  assert.equal((await bus.receive('task-events', event(7, 1))).outcome, 'DROP');
  assert.equal((await bus.receive('task-events', event(7, 1), 'webhooks')).outcome, 'SUCCESS');
  assert.equal((await bus.receive('task-events', { not: 'an event' }, 'webhooks')).outcome, 'SUCCESS');
  assert.equal((await bus.receive('task-events', { not: 'an event' })).outcome, 'DROP');
});

test('DaprBus: a transient failure answers RETRY; unsubscribe and close leave no consumer', async () => {
  const bus = new DaprBus(sidecar().client, 'todo-pubsub', log);
  const busy = recorder('busy', { retryOn: ['t1'] });
  bus.subscribe(busy.sub);
  assert.equal((await bus.receive('task-events', event(7, 1))).outcome, 'RETRY');
  bus.unsubscribe('busy');
  assert.deepEqual(bus.routes(), []);
  bus.subscribe(busy.sub);
  await bus.close();
  assert.deepEqual(bus.routes(), []);
});
