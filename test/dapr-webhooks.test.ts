/**
 * The webhooks' own Dapr subscription (dapr/components*\/subscription.yaml, pubsub
 * todo-pubsub-webhooks), in-process against the routes of a ROLE=notifications process: task
 * events arrive at /dapr/webhooks/task-events (not /dapr/task-events, which belongs to the
 * recurring app's subscription), and a poison entry is acknowledged there rather than DROPped (the
 * main subscription dead-letters it; see DaprBus.acknowledgePoison). The stack test
 * (test/stack/webhooks.test.ts) covers the same path through real daprd and Kafka.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { taskEvent as event } from '../src/events/testing.js';
import { startDaprConsumer, type DaprConsumer } from './support/dapr-consumer.js';

const TOKEN = 'app-token-for-the-webhooks-route-test';
let consumer: DaprConsumer;
before(async () => {
  consumer = await startDaprConsumer('notifications', TOKEN);
});
after(async () => consumer?.close());

const USER = 'dapr-webhooks-user';
const taskEvent = (taskId: number) => event(taskId, { type: 'created', userId: USER, title: 'via the webhooks route' });

const bulk = (events: unknown[]) => ({
  id: randomUUID(),
  type: 'com.dapr.event.sent.bulk',
  topic: 'task-events',
  pubsubname: 'todo-pubsub-webhooks',
  metadata: {},
  entries: events.map((event, i) => ({ entryId: String(i), event, contentType: 'application/json', metadata: {} })),
});

const post = (url: string, payload: unknown) =>
  consumer.server.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'dapr-api-token': TOKEN },
    payload: JSON.stringify(payload),
  });

test('task events reach the webhook consumer at its own route; a poison entry is acknowledged, not dropped', async () => {
  const db = consumer.services.db;
  await db.insertInto('users').values({ id: USER, email: null, name: null, password_hash: null, timezone: null }).execute();
  const [hook] = await db
    .insertInto('webhooks')
    .values({
      user_id: USER,
      url: 'http://192.0.2.1/x',
      events: ['task.created'],
      secret: 'whsec_AAAA',
      disabled_at: null,
      created_at: new Date(Date.now() - 60_000),
    })
    .returning('id')
    .execute();
  const good = taskEvent(7);
  const res = await post('/dapr/webhooks/task-events', bulk([good, { not: 'an event' }, good]));
  assert.equal(res.statusCode, 200);
  assert.deepEqual(
    res.json().statuses.map((s: { status: string }) => s.status),
    ['SUCCESS', 'SUCCESS', 'SUCCESS'],
  );
  const rows = await db.selectFrom('webhook_deliveries').select(['event_id', 'event_type']).where('webhook_id', '=', hook!.id).execute();
  assert.deepEqual(rows, [{ event_id: good.event_id, event_type: 'task.created' }]);
  // the main task-events subscription is the recurring app's: this process does not answer it
  assert.equal((await post('/dapr/task-events', bulk([taskEvent(8)]))).statusCode, 404);
  // its own topic keeps the usual contract: poison is DROPped (dead-lettered)
  const notes = await post('/dapr/notifications', bulk([{ not: 'a notification' }]));
  assert.deepEqual(
    notes.json().statuses.map((s: { status: string }) => s.status),
    ['DROP'],
  );
});
