/**
 * Distributed mode end to end: the real daprd sidecars, a real Kafka broker and a real
 * PostgreSQL server, started by scripts/stack.sh (backend ROLE=api, consumer processes
 * ROLE=recurring and ROLE=notifications, each behind its own daprd). Kafka is read by an
 * independent client (kafkajs), never through Dapr.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvent } from '../../src/events/schemas.js';
import { client, eventually, signUp, type Session } from '../support/app.js';
import { openStream } from '../support/util.js';
import { kafkaCtl, producer, stack, stackEnv, stackTestLock, TopicReader } from './support.js';

const API = 'http://127.0.0.1:8000';
const RECURRING_METRICS = 'http://127.0.0.1:8001/metrics';
let env: Record<string, string>;
let reader: TopicReader;
let me: Session;
let api: ReturnType<typeof client>;
/** the fault suite drives the same stack: one file at a time */
let unlock: (() => void) | undefined;

const SLOW = { timeoutMs: 60_000, intervalMs: 200 };

async function counter(url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const line = text.split('\n').find((l) => l.startsWith(name) && labels.split(',').every((kv) => l.includes(kv)));
  return line ? Number(line.split(' ').pop()) : 0;
}

// may first wait for the fault suite to release the stack (test/faults and test/stack run in one node test run)
before(
  async () => {
    unlock = await stackTestLock();
    await stack('down');
    process.env.REMINDER_SCHEDULE = '@every 2s';
    await stack('up');
    env = await stackEnv();
    reader = new TopicReader(env.KAFKA_BROKERS!);
    await reader.start(['task-events', 'notifications', 'task-events-dlq', 'project-events']);
    me = await signUp(API, 'stack');
    api = client(API, me.token);
  },
  { timeout: 900_000 },
);

after(async () => {
  await reader?.stop().catch(() => undefined);
  if (!process.env.KEEP_STACK) await stack('down');
  unlock?.();
});

// task ids restart when the stack's database is reset, but Kafka keeps older runs' records: match the user too
const mine = (p: any, taskId: number) => p.task_id === taskId && p.user_id === me.userId;
const taskEventsOf = (taskId: number) => reader.payloads('task-events', (p) => mine(p, taskId));

describe('distributed mode through daprd, Kafka and PostgreSQL', () => {
  test('(a) create/update/complete/delete publish the seed events on task-events, keyed by task id', async () => {
    const created = await api.post(`/api/${me.userId}/tasks`, { title: 'Buy Milk', priority: 'high' });
    assert.equal(created.status, 201);
    const id = created.body.id;
    assert.equal((await api.put(`/api/${me.userId}/tasks/${id}`, { title: 'Buy oat milk' })).status, 200);
    assert.equal((await api.patch(`/api/${me.userId}/tasks/${id}/complete`)).status, 200);
    assert.equal((await api.del(`/api/${me.userId}/tasks/${id}`)).status, 204);

    const events = await eventually(async () => {
      const e = taskEventsOf(id);
      return e.length >= 4 ? e : undefined;
    }, SLOW);
    assert.deepEqual(
      events.map((e) => e.payload.event_type),
      ['created', 'updated', 'completed', 'deleted'],
    );
    for (const { record, payload } of events) {
      assert.equal(record.key, String(id), 'partition key is the task id');
      assert.equal(record.value.specversion, '1.0', 'Dapr wrote a CloudEvent');
      parseEvent('task-events', payload); // throws on any schema mismatch
      assert.equal(payload.user_id, me.userId);
    }
    assert.equal(new Set(events.map((e) => e.record.partition)).size, 1, 'one task, one partition');
    assert.equal(events[1]!.payload.data.title, 'Buy oat milk');
  });

  test('(b) completing a recurring task → exactly one next occurrence, made by the consumer process', async () => {
    const before = await counter(RECURRING_METRICS, 'event_deliveries_total', 'consumer="recurring-task",outcome="SUCCESS"');
    const created = await api.post(`/api/${me.userId}/tasks`, {
      title: 'Stand-up',
      due_date: '2024-01-01T09:00:00+01:00',
      timezone: 'Europe/Berlin',
      recurrence: 'daily',
      tags: ['work'],
    });
    assert.equal(created.status, 201);
    await api.patch(`/api/${me.userId}/tasks/${created.body.id}/complete`);
    const next = await eventually(async () => {
      const r = await api.get(`/api/${me.userId}/tasks?q=Stand-up&status=pending`);
      return r.body.length ? r.body : undefined;
    }, SLOW);
    assert.equal(next.length, 1);
    assert.equal(next[0].series_id, created.body.series_id);
    assert.ok(new Date(next[0].due_date) > new Date());
    const after = await counter(RECURRING_METRICS, 'event_deliveries_total', 'consumer="recurring-task",outcome="SUCCESS"');
    assert.ok(after > before, 'the ROLE=recurring process handled the completion');
    // and its own `created` event went out through Kafka too
    await eventually(async () => taskEventsOf(next[0].id).some((e) => e.payload.event_type === 'created'), SLOW);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await api.get(`/api/${me.userId}/tasks?q=Stand-up&status=pending`)).body.length, 1, 'still exactly one');
  });

  test('(c) a due reminder → one notifications record on Kafka and one inbox entry', async () => {
    const at = new Date(Date.now() + 3000).toISOString();
    const due = new Date(Date.now() + 15 * 60_000 + 3000).toISOString();
    const created = await api.post(`/api/${me.userId}/tasks`, {
      title: 'Call the plumber',
      due_date: due,
      reminders: [{ at }],
    });
    assert.equal(created.status, 201);
    const id = created.body.id;
    const inbox = await eventually(async () => {
      const r = await api.get(`/api/${me.userId}/notifications`);
      const mine = r.body.filter((n: any) => n.task_id === id);
      return mine.length ? mine : undefined;
    }, SLOW);
    assert.equal(inbox.length, 1);
    assert.equal(inbox[0].title, 'Task Due Soon');
    // (the date is added when the due time is on another day)
    assert.match(
      inbox[0].body,
      new RegExp(`^Your task 'Call the plumber' is due in 15 minutes \\(at ${due.slice(11, 16)}( on \\w{3} \\d{1,2} \\w{3})?\\)\\.$`),
    );
    const records = await eventually(async () => {
      const n = reader.payloads('notifications', (p) => mine(p, id));
      return n.length ? n : undefined;
    }, SLOW);
    await new Promise((r) => setTimeout(r, 4500)); // two more cron ticks: nothing fires again
    assert.equal(reader.payloads('notifications', (p) => mine(p, id)).length, 1, 'one notifications record');
    assert.equal((await api.get(`/api/${me.userId}/notifications`)).body.filter((n: any) => n.task_id === id).length, 1);
    parseEvent('notifications', records[0]!.payload);
    assert.equal(records[0]!.record.key, String(id));
  });

  test('(d) the same CloudEvent delivered twice → one effect', async () => {
    const created = await api.post(`/api/${me.userId}/tasks`, {
      title: 'Weekly review',
      due_date: '2024-01-05T17:00:00Z',
      recurrence: 'weekly',
    });
    await api.patch(`/api/${me.userId}/tasks/${created.body.id}/complete`);
    const completed = await eventually(async () => taskEventsOf(created.body.id).find((e) => e.payload.event_type === 'completed'), SLOW);
    await eventually(async () => (await api.get(`/api/${me.userId}/tasks?q=Weekly&status=pending`)).body.length === 1, SLOW);
    // publish the very same event twice more through the backend's sidecar: Kafka now holds three copies
    for (let i = 0; i < 2; i++) {
      const res = await fetch(
        `http://127.0.0.1:${env.DAPR_HTTP_PORT}/v1.0/publish/todo-pubsub/task-events?metadata.partitionKey=${created.body.id}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'dapr-api-token': env.DAPR_API_TOKEN! },
          body: JSON.stringify(completed.payload),
        },
      );
      assert.equal(res.status, 204);
    }
    await eventually(
      async () => taskEventsOf(created.body.id).filter((e) => e.payload.event_id === completed.payload.event_id).length === 3,
      SLOW,
    );
    const history = await eventually(async () => {
      const h = await api.get(`/api/${me.userId}/tasks/${created.body.id}/history`);
      return h.body.length >= 2 ? h.body : undefined;
    }, SLOW);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await api.get(`/api/${me.userId}/tasks?q=Weekly&status=pending`)).body.length, 1, 'one next occurrence');
    const again = (await api.get(`/api/${me.userId}/tasks/${created.body.id}/history`)).body;
    assert.equal(again.filter((h: any) => h.event_id === completed.payload.event_id).length, 1, 'one audit row');
    assert.equal(again.length, history.length);
  });

  test('(e) broker down for 10 s: the API keeps answering 201 and every event arrives afterwards', async () => {
    const topics = ['task-events', 'notifications', 'task-events-dlq', 'project-events'];
    const before = await reader.endOffsets(topics);
    await kafkaCtl('stop');
    const ids: number[] = [];
    const started = Date.now();
    try {
      for (let i = 0; i < 5; i++) {
        const r = await api.post(`/api/${me.userId}/tasks`, { title: `During outage ${i}` });
        assert.equal(r.status, 201);
        ids.push(r.body.id);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - started))));
    } finally {
      await kafkaCtl('start');
    }
    // the reader's connection died with the broker: read again from where the topics ended before the outage
    await reader.stop();
    reader = new TopicReader(env.KAFKA_BROKERS!);
    await reader.start(topics, before);
    await eventually(async () => ids.every((id) => taskEventsOf(id).some((e) => e.payload.event_type === 'created')), {
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    // and the consumer processed them (history written by the ROLE=recurring process)
    for (const id of ids) {
      await eventually(async () => (await api.get(`/api/${me.userId}/tasks/${id}/history`)).body.length === 1, SLOW);
    }
  });

  test('(f) a malformed record on task-events goes to the dead-letter topic and consumption continues', async () => {
    const p = await producer(env.KAFKA_BROKERS!);
    const marker = `not json ${Date.now()} {`;
    await p.send({ topic: 'task-events', messages: [{ key: 'poison', value: marker }] });
    await p.disconnect();
    await eventually(
      async () => reader.records.some((r) => r.topic === 'task-events-dlq' && JSON.stringify(r.value).includes(marker)),
      SLOW,
    );
    const created = await api.post(`/api/${me.userId}/tasks`, { title: 'After the poison' });
    await eventually(async () => (await api.get(`/api/${me.userId}/tasks/${created.body.id}/history`)).body.length === 1, SLOW);
  });

  test('(g) preferences live in the Dapr statestore (PostgreSQL) and set the default zone of new tasks', async () => {
    assert.equal((await api.put(`/api/${me.userId}/preferences`, { timezone: 'America/New_York' })).status, 200);
    const res = await fetch(`http://127.0.0.1:${env.DAPR_HTTP_PORT}/v1.0/state/statestore/preferences:${me.userId}`, {
      headers: { 'dapr-api-token': env.DAPR_API_TOKEN! },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { timezone: 'America/New_York', week_start: 'monday' });
    const task = await api.post(`/api/${me.userId}/tasks`, { title: 'zoned' });
    assert.equal(task.body.timezone, 'America/New_York');
  });

  test('(i) live stream: the consumer process announces the change over NOTIFY, the API process streams it', async () => {
    const stream = await openStream(`${API}/api/${me.userId}/stream`, { authorization: `Bearer ${me.token}` });
    try {
      assert.equal(stream.status, 200);
      const created = await api.post(`/api/${me.userId}/tasks`, { title: 'live across processes' });
      assert.equal(created.status, 201);
      // the API process does not consume task-events (ROLE=api): the event reached it from the
      // recurring process through Kafka and PostgreSQL LISTEN/NOTIFY
      const e = await stream.next((x) => x.event === 'task' && x.data.task_id === created.body.id, SLOW.timeoutMs);
      assert.equal(e.data.event_type, 'created');
      assert.equal(e.data.data.title, 'live across processes');
    } finally {
      stream.close();
    }
  });

  test('(j) projects: project-events on Kafka keyed by project id, streamed live; a delete sends each task its deleted event', async () => {
    const stream = await openStream(`${API}/api/${me.userId}/stream`, { authorization: `Bearer ${me.token}` });
    try {
      const p = await api.post(`/api/${me.userId}/projects`, { name: 'Stack project' });
      assert.equal(p.status, 201);
      const parent = (await api.post(`/api/${me.userId}/tasks`, { title: 'in stack project', project_id: p.body.id })).body;
      const child = (await api.post(`/api/${me.userId}/tasks`, { title: 'its subtask', parent_id: parent.id })).body;
      assert.equal(child.project_id, p.body.id);
      assert.equal((await api.put(`/api/${me.userId}/projects/${p.body.id}`, { name: 'Renamed' })).status, 200);
      assert.equal((await api.del(`/api/${me.userId}/projects/${p.body.id}`)).status, 204);
      const ofProject = (x: any) => x.project_id === p.body.id && x.user_id === me.userId;
      const records = await eventually(async () => {
        const r = reader.payloads('project-events', ofProject);
        return r.length >= 3 ? r : undefined;
      }, SLOW);
      assert.deepEqual(
        records.map((r) => r.payload.event_type),
        ['created', 'updated', 'deleted'],
      );
      for (const { record, payload } of records) {
        assert.equal(record.key, String(p.body.id), 'partition key is the project id');
        parseEvent('project-events', payload);
      }
      for (const t of [parent, child]) {
        const deleted = await eventually(async () => taskEventsOf(t.id).find((e) => e.payload.event_type === 'deleted'), SLOW);
        assert.equal(deleted.payload.project_id, p.body.id);
      }
      const live = await stream.next((x) => x.event === 'project' && x.data.project_id === p.body.id, SLOW.timeoutMs);
      assert.equal(live.data.event_type, 'created');
    } finally {
      stream.close();
    }
  });

  test('(h) Dapr-only routes refuse callers without the app token; the sidecar token is enforced too', async () => {
    for (const url of ['http://127.0.0.1:8001/dapr/task-events', 'http://127.0.0.1:8002/dapr/notifications', `${API}/reminder-cron`]) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 401, url);
      const wrong = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'dapr-api-token': 'wrong' },
        body: '{}',
      });
      assert.equal(wrong.status, 401, url);
    }
    const sidecar = await fetch(`http://127.0.0.1:${env.DAPR_HTTP_PORT}/v1.0/publish/todo-pubsub/task-events`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(sidecar.status, 401, 'daprd requires DAPR_API_TOKEN');
  });
});
