/**
 * Webhooks in distributed mode: a task created through the API (ROLE=api, which runs no webhook
 * consumer) reaches a local receiver through the outbox → daprd → Kafka → the webhooks'
 * own subscription (component todo-pubsub-webhooks, consumer group todo-webhooks) → the
 * notifications process, whose worker signs and POSTs it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import { client, eventually, signUp } from '../support/app.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { stack, stackEnv, stackTestLock } from './support.js';

const API = 'http://127.0.0.1:8000';
const GROUP = 'todo-webhooks';
let unlock: (() => void) | undefined;
let rx: Receiver;
let kafka: Kafka;

/** Events of task-events the webhooks' consumer group has not committed yet. */
async function lag(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets('task-events'),
      admin.fetchOffsets({ groupId: GROUP, topics: ['task-events'] }),
    ]);
    const done = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
    return ends.reduce((sum, e) => sum + Number(e.high) - Math.max(0, done.get(e.partition) ?? -1), 0);
  } finally {
    await admin.disconnect();
  }
}

before(
  async () => {
    unlock = await stackTestLock();
    await stack('down');
    // the receiver is on loopback; the apps inherit this environment from scripts/stack.sh
    process.env.WEBHOOK_ALLOW_PRIVATE = '1';
    process.env.WEBHOOK_POLL_MS = '200';
    await stack('up');
    const env = await stackEnv();
    kafka = new Kafka({ clientId: 'taskstream-webhook-tests', brokers: [env.KAFKA_BROKERS!], logLevel: logLevel.NOTHING });
    // caught up before the test (the group starts at the topic's end; a later start resumes where it stopped)
    await eventually(async () => (await lag()) === 0, { timeoutMs: 300_000, intervalMs: 1000 });
    rx = await startReceiver();
  },
  { timeout: 900_000 },
);

after(async () => {
  await rx?.close();
  delete process.env.WEBHOOK_ALLOW_PRIVATE;
  delete process.env.WEBHOOK_POLL_MS;
  if (!process.env.KEEP_STACK) await stack('down');
  unlock?.();
});

describe('webhooks through daprd and Kafka', () => {
  test('a task created via the API reaches the receiver, signed, from the notifications process', async () => {
    const me = await signUp(API, 'stack-webhooks');
    const api = client(API, me.token);
    const hook = await api.post(`/api/${me.userId}/webhooks`, { url: `${rx.url}/stack`, events: ['task.created', 'task.completed'] });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    const task = (await api.post(`/api/${me.userId}/tasks`, { title: 'through Kafka' })).body;
    await api.patch(`/api/${me.userId}/tasks/${task.id}/complete`, { completed: true });

    const got = await rx.next((r) => r.json?.type === 'task.completed' && r.json?.data?.id === task.id, 60_000);
    const created = rx.received.find((r) => r.json?.type === 'task.created' && r.json?.data?.id === task.id);
    assert.ok(created, 'the created event arrived too');
    for (const r of [created, got]) {
      const body = new Webhook(hook.body.secret).verify(r.body, {
        'webhook-id': String(r.headers['webhook-id']),
        'webhook-timestamp': String(r.headers['webhook-timestamp']),
        'webhook-signature': String(r.headers['webhook-signature']),
      }) as any;
      assert.equal(body.data.user_id, me.userId);
    }
    assert.ok(created.at <= got.at, 'in order');

    const log = await eventually(async () => {
      const r = await api.get(`/api/${me.userId}/webhooks/${hook.body.id}/deliveries`);
      return r.body.length === 2 && r.body.every((d: any) => d.status === 'succeeded') ? r.body : undefined;
    });
    assert.deepEqual(
      log.map((d: any) => [d.event_type, d.attempts, d.response_status]),
      [
        ['task.completed', 1, 200],
        ['task.created', 1, 200],
      ],
    );
    // the path: the webhooks' own consumer group, in the notifications app, committed past these events
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [group] = (await admin.describeGroups([GROUP])).groups;
      assert.equal(group?.state, 'Stable');
      assert.ok(
        group!.members.some((m) => m.clientId.startsWith('todo-notifications')),
        `members: ${group!.members.map((m) => m.clientId).join(', ')}`,
      );
    } finally {
      await admin.disconnect();
    }
    // committed past both events (daprd's Kafka client commits offsets every second or so)
    await eventually(async () => (await lag()) === 0, { timeoutMs: 15_000, intervalMs: 500 });
  });
});
