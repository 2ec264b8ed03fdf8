/**
 * Bulk subscribe (dapr/components*\/subscription.yaml `bulkSubscribe`): daprd POSTs a batch of
 * a partition's messages and expects one status per entry. Exercised in-process against the
 * route (the stack tests exercise it through real daprd and Kafka).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { taskEvent as event } from '../src/events/testing.js';
import { startDaprConsumer, type DaprConsumer } from './support/dapr-consumer.js';

const TOKEN = 'app-token-for-the-bulk-test';
let consumer: DaprConsumer;
before(async () => {
  consumer = await startDaprConsumer('recurring', TOKEN);
});
after(async () => consumer?.close());

const taskEvent = (taskId: number, title: string, eventId?: string) => event(taskId, { title, eventId, userId: 'bulk-user', version: 2 });

const cloudEvent = (data: unknown) => ({
  specversion: '1.0',
  id: randomUUID(),
  source: 'todo-backend',
  type: 'com.dapr.event.sent',
  datacontenttype: 'application/json',
  topic: 'task-events',
  pubsubname: 'todo-pubsub',
  data,
});

const bulk = (events: unknown[]) => ({
  id: randomUUID(),
  type: 'com.dapr.event.sent.bulk',
  topic: 'task-events',
  pubsubname: 'todo-pubsub',
  metadata: {},
  entries: events.map((event, i) => ({ entryId: String(i), event, contentType: 'application/cloudevents+json', metadata: {} })),
});

const post = (payload: unknown, token: string | null = TOKEN) =>
  consumer.server.inject({
    method: 'POST',
    url: '/dapr/task-events',
    headers: { 'content-type': 'application/json', ...(token ? { 'dapr-api-token': token } : {}) },
    payload: JSON.stringify(payload),
  });

const historyRows = async (eventIds: string[]) =>
  Number(
    (
      await sql<{ n: number }>`SELECT count(*)::int AS n FROM task_history WHERE event_id::text = ANY(${eventIds})`.execute(
        consumer.services.db,
      )
    ).rows[0]!.n,
  );

test('a bulk delivery gets one status per entry: valid ones SUCCESS (one effect each, duplicates included), malformed ones DROP', async () => {
  const a = taskEvent(101, 'first');
  const b = taskEvent(101, 'second');
  const res = await post(bulk([cloudEvent(a), cloudEvent({ not: 'an event' }), cloudEvent(b), cloudEvent(a)]));
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    statuses: [
      { entryId: '0', status: 'SUCCESS' },
      { entryId: '1', status: 'DROP' },
      { entryId: '2', status: 'SUCCESS' },
      { entryId: '3', status: 'SUCCESS' },
    ],
  });
  assert.equal(await historyRows([a.event_id, b.event_id]), 2, 'one audit row per event, the redelivered one included');
});

test('bulk entries may carry the event itself or a CloudEvent with string data; single deliveries still work', async () => {
  const a = taskEvent(102, 'raw');
  const b = taskEvent(102, 'string data');
  const res = await post(bulk([a, { ...cloudEvent(undefined), data: JSON.stringify(b) }]));
  assert.deepEqual(
    res.json().statuses.map((s: { status: string }) => s.status),
    ['SUCCESS', 'SUCCESS'],
  );
  const c = taskEvent(102, 'single');
  const single = await post(cloudEvent(c));
  assert.deepEqual(single.json(), { status: 'SUCCESS' });
  assert.equal(await historyRows([a.event_id, b.event_id, c.event_id]), 3);
});

test('a bulk delivery larger than the API body limit is accepted; without the app token it is refused', async () => {
  const events = Array.from({ length: 100 }, (_, i) => cloudEvent({ ...taskEvent(200 + i, `big ${i}`), pad: 'x'.repeat(2000) }));
  const res = await post(bulk(events));
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().statuses.length, 100);
  assert.equal((await post(bulk([cloudEvent(taskEvent(300, 'no token'))]), null)).statusCode, 401);
});
