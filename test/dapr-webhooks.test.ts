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
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServices, type Services } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { DaprClient } from '../src/dapr/client.js';
import type { DatabaseHandle } from '../src/db/connect.js';
import { openEmbeddedDatabase } from '../src/db/embedded-postgres.js';
import { buildServer } from '../src/http/server.js';
import { createLogger } from '../src/logger.js';

const TOKEN = 'app-token-for-the-webhooks-route-test';
let dir: string;
let database: DatabaseHandle;
let services: Services;
let server: Awaited<ReturnType<typeof buildServer>>;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'taskstream-dapr-webhooks-'));
  database = await openEmbeddedDatabase(dir);
  const config = loadConfig({
    EVENT_BUS: 'dapr',
    DAPR_HTTP_PORT: '3599',
    ROLE: 'notifications',
    APP_API_TOKEN: TOKEN,
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
  });
  services = await createServices({ config, log: createLogger('silent'), database, authSecret: 'x'.repeat(32), dapr: {} as DaprClient });
  server = await buildServer(services);
});

after(async () => {
  await server.close();
  await services.stop();
  await database.close();
  await rm(dir, { recursive: true, force: true });
});

const USER = 'dapr-webhooks-user';

function taskEvent(taskId: number) {
  const at = new Date().toISOString();
  return {
    event_id: randomUUID(),
    event_type: 'created',
    task_id: taskId,
    user_id: USER,
    timestamp: at,
    data: {
      id: taskId,
      user_id: USER,
      title: 'via the webhooks route',
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
      version: 1,
    },
  };
}

const bulk = (events: unknown[]) => ({
  id: randomUUID(),
  type: 'com.dapr.event.sent.bulk',
  topic: 'task-events',
  pubsubname: 'todo-pubsub-webhooks',
  metadata: {},
  entries: events.map((event, i) => ({ entryId: String(i), event, contentType: 'application/json', metadata: {} })),
});

const post = (url: string, payload: unknown) =>
  server.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'dapr-api-token': TOKEN },
    payload: JSON.stringify(payload),
  });

test('task events reach the webhook consumer at its own route; a poison entry is acknowledged, not dropped', async () => {
  const db = services.db;
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
