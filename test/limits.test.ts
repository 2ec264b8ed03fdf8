/**
 * Limits: each abuse case is refused (429 with Retry-After, or 422) or bounded, never a slow server — asserted on behaviour
 * (the status, Retry-After, a closed stream, its buffered bytes, rows kept), never on timings.
 * The limits are set low through their environment variables.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { client, signUp, type Session, type TestApp } from './support/app.js';
import { drained, nonReadingStream, openStream, sleep, startTestApp, taskCount, type SseStream } from './support/util.js';

const SSE_BUFFER = 1024 * 1024;
let app: TestApp;
const open: SseStream[] = [];

before(async () => {
  app = await startTestApp({
    LIMIT_SSE_STREAMS: '2',
    LIMIT_SSE_BUFFER_BYTES: String(SSE_BUFFER),
    LIMIT_WRITES_PER_SECOND: '1',
    LIMIT_WRITE_BURST: '20',
  });
});
after(async () => {
  for (const s of open) s.close();
  await app?.close();
});

const streamUrl = (u: Session) => `${app.url}/api/${u.userId}/stream`;
const bearer = (u: Session) => ({ authorization: `Bearer ${u.token}` });

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('live streams', () => {
  test('a client that stops reading is closed once more than LIMIT_SSE_BUFFER_BYTES wait for it; a reading client is not', async () => {
    const u = await signUp(app.url, 'slow');
    const reader = await openStream(streamUrl(u), bearer(u));
    open.push(reader);
    const sock = await nonReadingStream(app.url, u);
    const streams = app.running.services.streams;
    let slow: ServerResponse | undefined;
    await until(() => (slow = [...streams].find((r) => r.socket?.remotePort === sock.localPort)) !== undefined, 'the stream');
    const res = slow!;

    // 6 KB events (under PostgreSQL NOTIFY's 8 KB, so they keep their data whichever hub fans out),
    // 50 per batch; at most 400 batches (120 MB): far more than the kernel's socket buffers plus the limit
    const blob = 'x'.repeat(6 * 1024);
    let published = 0;
    let maxBuffered = 0;
    const sample = setInterval(() => (maxBuffered = Math.max(maxBuffered, res.destroyed ? 0 : res.writableLength)), 1);
    for (let batch = 0; batch < 400 && !res.destroyed; batch++) {
      const msgs = Array.from({ length: 50 }, () => ({
        kind: 'task' as const,
        id: `e${published}`,
        user_id: u.userId,
        data: { n: published++, blob },
      }));
      await app.running.services.hub.publishMany(msgs);
      await sleep(20); // delivery, and time for the reading client to keep up
    }
    clearInterval(sample);
    assert.ok(res.destroyed, `the stream of the client that does not read was closed (after ${published} events)`);
    assert.ok(maxBuffered <= SSE_BUFFER + blob.length + 200, `buffered at most the limit plus one event: ${maxBuffered}`);
    await until(() => !streams.has(res), 'the closed stream to be forgotten');

    // the reading client got every event and is still open
    const last = await reader.next((e) => e.id === `e${published - 1}`, 10_000);
    assert.equal((last.data as { n: number }).n, published - 1);
    assert.equal(reader.events.filter((e) => e.event === 'task').length, published);
    assert.ok(
      [...streams].some((r) => !r.destroyed),
      'the reading stream is open',
    );
    sock.destroy();
  });

  test('a user holding LIMIT_SSE_STREAMS streams gets 429 + Retry-After for the next; closing one frees its place', async () => {
    const u = await signUp(app.url, 'tabs');
    const first = await openStream(streamUrl(u), bearer(u));
    const second = await openStream(streamUrl(u), bearer(u));
    open.push(first, second);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    const third = await openStream(streamUrl(u), bearer(u));
    assert.equal(third.status, 429);
    assert.match(third.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.ok(Number(third.headers.get('retry-after')) > 0, 'Retry-After');
    // another user is not affected
    const other = await signUp(app.url, 'other');
    const theirs = await openStream(streamUrl(other), bearer(other));
    open.push(theirs);
    assert.equal(theirs.status, 200);

    first.close();
    await first.ended;
    let again: SseStream | undefined;
    for (let i = 0; i < 100 && again?.status !== 200; i++) {
      again = await openStream(streamUrl(u), bearer(u));
      if (again.status !== 200) await sleep(20);
    }
    open.push(again!);
    assert.equal(again!.status, 200, 'a closed stream gives its place back');
  });
});

describe('write rate', () => {
  test('writes past the burst get 429 + Retry-After (problem+json) and write nothing; reads and other users pass', async () => {
    const u = await signUp(app.url, 'burst');
    const api = client(app.url, u.token);
    const tasks = `/api/${u.userId}/tasks`;
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => api.post(tasks, { title: `t${i}` })));
    const seconds = (Date.now() - t0) / 1000;
    const created = results.filter((r) => r.status === 201).length;
    const refused = results.filter((r) => r.status === 429);
    assert.equal(created + refused.length, 40, `only 201 or 429: ${results.map((r) => r.status).join(',')}`);
    // the burst of 20, plus what 1/s refilled while the requests ran
    assert.ok(created >= 20 && created <= 20 + Math.ceil(seconds), `${created} created in ${seconds} s`);
    for (const r of refused) {
      assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal((r.body as { status: number }).status, 429);
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
    }
    await drained(app);
    assert.equal(await taskCount(app, u.userId), created, 'a refused write wrote nothing');
    assert.equal((await api.get(tasks)).status, 200, 'reads are not limited');
    const other = await signUp(app.url, 'calm');
    assert.equal((await client(app.url, other.token).post(`/api/${other.userId}/tasks`, { title: 'mine' })).status, 201);
    // the bucket refills
    await sleep(Number(refused[0]!.headers.get('retry-after')) * 1000);
    assert.equal((await api.post(tasks, { title: 'later' })).status, 201);
  });

  test('/mcp is a write too: past the burst it answers 429 + Retry-After, as its OpenAPI operation says', async () => {
    const u = await signUp(app.url, 'mcp-burst');
    const ping = (i: number) =>
      fetch(`${app.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'ping' }),
      });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => ping(i)));
    const statuses = results.map((r) => r.status);
    await Promise.all(results.map((r) => r.body?.cancel()));
    assert.ok(statuses.filter((s) => s === 200).length >= 20, statuses.join(','));
    const refused = results.filter((r) => r.status === 429);
    assert.ok(refused.length > 0, statuses.join(','));
    for (const r of refused) assert.ok(Number(r.headers.get('retry-after')) >= 1);
    const doc = (await client(app.url).get('/openapi.json')).body;
    assert.equal(doc.paths['/mcp'].post.responses['429'].headers['Retry-After'].required, true);
  });
});

describe('tasks and notifications per user', () => {
  let capped: TestApp;
  before(async () => {
    capped = await startTestApp({ LIMIT_TASKS: '5', LIMIT_NOTIFICATIONS: '10' });
  });
  after(async () => capped?.close());

  test('a create past LIMIT_TASKS is 422 with a message, writes nothing; deleting one makes room', async () => {
    const u = await signUp(capped.url, 'hoarder');
    const api = client(capped.url, u.token);
    const tasks = `/api/${u.userId}/tasks`;
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api.post(tasks, { title: `t${i}` });
      assert.equal(r.status, 201);
      ids.push(r.body.id);
    }
    const refused = await api.post(tasks, { title: 'one too many' });
    assert.equal(refused.status, 422);
    assert.match(refused.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.match(JSON.stringify(refused.body), /at most 5 tasks/);
    await drained(capped);
    assert.equal(await taskCount(capped, u.userId), 5);
    assert.equal((await api.del(`${tasks}/${ids[0]}`)).status, 204);
    let r = await api.post(tasks, { title: 'room again' });
    for (let i = 0; i < 50 && r.status === 422; i++) {
      await sleep(100); // the cached count is re-read at most every 2 s once at the cap
      r = await api.post(tasks, { title: 'room again' });
    }
    assert.equal(r.status, 201);
    assert.equal(await taskCount(capped, u.userId), 5);
  });

  test('an inbox keeps LIMIT_NOTIFICATIONS entries: the oldest read ones go first', async () => {
    const u = await signUp(capped.url, 'inbox');
    const api = client(capped.url, u.token);
    const notes = `/api/${u.userId}/notifications?limit=200`;
    const remindSoon = async (title: string, n: number) => {
      const at = Date.now() + 1500;
      const reminders = Array.from({ length: n }, (_, i) => ({ at: new Date(at + i * 10).toISOString() }));
      const r = await api.post(`/api/${u.userId}/tasks`, { title, due_date: new Date(at + 3_600_000).toISOString(), reminders });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as number;
    };
    const inbox = async () => (await api.get(notes)).body as { id: string; task_id: number; read: boolean }[];
    const settle = async (count: number) => {
      for (let i = 0; i < 100 && (await inbox()).length < count; i++) await sleep(100);
    };

    await remindSoon('first', 6);
    await settle(6);
    const firstSix = await inbox();
    assert.equal(firstSix.length, 6);
    const read = firstSix.slice(0, 3).map((n) => n.id);
    for (const id of read) assert.equal((await api.post(`/api/${u.userId}/notifications/${id}/read`)).status, 200);

    const second = await remindSoon('second', 8); // 14 in all: 4 must go, the 3 read ones first, then the oldest unread
    for (let i = 0; i < 100 && (await inbox()).filter((n) => n.task_id === second).length < 8; i++) await sleep(100);
    await drained(capped);
    const kept = await inbox();
    assert.equal(kept.length, 10);
    assert.ok(!kept.some((n) => read.includes(n.id)), 'the read ones were pruned first');
    assert.ok(
      kept.every((n) => !n.read),
      'only unread ones are left',
    );
    assert.equal(kept.filter((n) => n.task_id === second).length, 8, 'the newest are all kept');
  });
});
