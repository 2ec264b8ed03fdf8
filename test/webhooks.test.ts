/**
 * Webhooks end to end in embedded mode, against a real local HTTP receiver:
 * Standard Webhooks signatures checked with the spec's reference library, retries with
 * backoff, a pending delivery surviving a restart, auto-disable with a notification, the test
 * ping, the delivery log, SSRF refusals (at creation and at delivery), ownership and limits.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { client, eventually, signUp, type Session, type TestApp } from './support/app.js';
import { startTestApp, sleep } from './support/util.js';
import { startReceiver, type Receiver, type Received } from './support/receiver.js';
import { send } from '../src/webhooks/sender.js';
import { webhookFanoutProcessor } from '../src/webhooks/fanout.processor.js';
import { resolveTarget, TargetRefusedError } from '../src/webhooks/targets.js';

const FAST = {
  WEBHOOK_ALLOW_PRIVATE: '1',
  WEBHOOK_RETRY_BASE_MS: '200',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_MAX_ATTEMPTS: '5',
  WEBHOOK_DISABLE_AFTER: '3',
  WEBHOOK_TIMEOUT_MS: '2000',
};

/** Verified with the reference implementation (throws on a bad signature); returns the parsed body. */
function verified(secret: string, r: Received): any {
  return new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  });
}

describe('webhooks (loopback receivers allowed)', () => {
  let app: TestApp;
  let alice: Session;
  let bob: Session;
  let rx: Receiver;
  const a = () => client(app.url, alice.token);
  const hooks = () => `/api/${alice.userId}/webhooks`;

  before(async () => {
    app = await startTestApp(FAST);
    [alice, bob] = await Promise.all([signUp(app.url, 'alice'), signUp(app.url, 'bob')]);
    rx = await startReceiver();
  });
  after(async () => {
    await app?.close();
    await rx?.close();
  });

  test('a task event reaches the receiver, signed per Standard Webhooks; only subscribed types are sent', async () => {
    const created = await a().post(hooks(), { url: `${rx.url}/hook-a`, events: ['task.created', 'task.completed'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    assert.deepEqual(created.body.events, ['task.created', 'task.completed']);
    assert.equal(created.body.enabled, true);
    const listed = await a().get(hooks());
    assert.equal(listed.status, 200);
    assert.equal(listed.body.length, 1);
    assert.equal(listed.body[0].secret, undefined, 'the secret is shown once, at creation');

    const task = (await a().post(`/api/${alice.userId}/tasks`, { title: 'Hooked task' })).body;
    await a().put(`/api/${alice.userId}/tasks/${task.id}`, { title: 'renamed' }); // task.updated: not subscribed
    await a().patch(`/api/${alice.userId}/tasks/${task.id}/complete`, { completed: true });
    const got = await rx.next((r) => r.path === '/hook-a' && r.json?.type === 'task.completed');
    const first = rx.received.find((r) => r.path === '/hook-a' && r.json?.type === 'task.created')!;
    assert.ok(first, 'the created event arrived too');
    const body = verified(created.body.secret, first);
    assert.equal(body.type, 'task.created');
    assert.equal(body.data.id, task.id);
    assert.equal(body.data.title, 'Hooked task');
    assert.equal(verified(created.body.secret, got).data.completed, true);
    assert.match(String(first.headers['webhook-id']), /^msg_[0-9a-f-]{36}$/);
    assert.ok(Math.abs(Number(first.headers['webhook-timestamp']) - Date.now() / 1000) < 60);
    // a wrong secret fails verification: the check above is not vacuous
    assert.throws(() => verified(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, first));
    await sleep(300);
    assert.equal(
      rx.received.filter((r) => r.path === '/hook-a' && r.json?.type === 'task.updated').length,
      0,
      'task.updated was not subscribed',
    );

    const log = await a().get(`${hooks()}/${created.body.id}/deliveries`);
    assert.equal(log.status, 200);
    assert.deepEqual(
      log.body.map((d: any) => d.event_type),
      ['task.completed', 'task.created'],
      'newest first',
    );
    for (const d of log.body) {
      assert.equal(d.status, 'succeeded');
      assert.equal(d.attempts, 1);
      assert.equal(d.response_status, 200);
      assert.equal(typeof d.duration_ms, 'number');
      assert.equal(d.next_attempt_at, null);
    }
    assert.equal(log.body[1].message_id, first.headers['webhook-id']);
    assert.equal((await a().del(`${hooks()}/${created.body.id}`)).status, 204);
    assert.equal((await a().get(hooks())).body.length, 0);
  });

  test('a 500 is retried with exponential backoff under the same webhook-id; the log shows every attempt', async () => {
    let calls = 0;
    rx.respond = (r) => (r.path === '/flaky' ? (++calls <= 2 ? 500 : 200) : 200);
    const hook = (await a().post(hooks(), { url: `${rx.url}/flaky`, events: ['task.created'] })).body;
    await a().post(`/api/${alice.userId}/tasks`, { title: 'retry me' });
    await eventually(async () => rx.received.filter((r) => r.path === '/flaky').length >= 3, { timeoutMs: 10_000 });
    const tries = rx.received.filter((r) => r.path === '/flaky');
    assert.equal(new Set(tries.map((r) => r.headers['webhook-id'])).size, 1, 'one message, three attempts');
    for (const t of tries) verified(hook.secret, t);
    const gap1 = tries[1]!.at - tries[0]!.at;
    const gap2 = tries[2]!.at - tries[1]!.at;
    assert.ok(gap1 >= 150, `first retry after the base delay (200 ms ± 20 %), got ${gap1} ms`);
    assert.ok(gap2 >= 300 && gap2 > gap1, `second retry after about twice as long, got ${gap2} ms after ${gap1} ms`);
    const log = await eventually(async () => {
      const r = await a().get(`${hooks()}/${hook.id}/deliveries`);
      return r.body[0]?.status === 'succeeded' ? r.body : undefined;
    });
    assert.equal(log[0].attempts, 3);
    assert.equal(log[0].response_status, 200);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    const count = (outcome: string) =>
      Number(text.match(new RegExp(`^webhook_attempts_total\\{outcome="${outcome}"\\} (\\d+)`, 'm'))?.[1] ?? 0);
    assert.ok(
      count('retry') >= 2 && count('succeeded') >= 3,
      `webhook_attempts_total: retry ${count('retry')}, succeeded ${count('succeeded')}`,
    );
    const after = (await a().get(`${hooks()}/${hook.id}`)).body;
    assert.equal(after.consecutive_failures, 0, 'a success resets the failure count');
    assert.equal(after.enabled, true);
    await a().del(`${hooks()}/${hook.id}`);
  });

  test('repeated failures disable the webhook and notify its owner in the inbox', async () => {
    rx.respond = (r) => (r.path === '/dead' ? 503 : 200);
    const hook = (await a().post(hooks(), { url: `${rx.url}/dead`, events: ['task.created'] })).body;
    for (let i = 0; i < 2; i++) await a().post(`/api/${alice.userId}/tasks`, { title: `doomed ${i}` });
    const disabled = await eventually(
      async () => {
        const r = await a().get(`${hooks()}/${hook.id}`);
        return r.body.enabled === false ? r.body : undefined;
      },
      { timeoutMs: 10_000 },
    );
    assert.equal(disabled.consecutive_failures, 3);
    assert.ok(disabled.disabled_at);
    const note = await eventually(async () => {
      const r = await a().get(`/api/${alice.userId}/notifications`);
      return r.body.find((n: any) => n.type === 'webhook_disabled');
    });
    assert.equal(note.task_id, null);
    assert.match(note.body, new RegExp(`${rx.url}/dead`.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    assert.match(note.body, /HTTP 503/);
    // nothing more is sent to a disabled webhook, and it cannot be pinged
    const count = rx.received.filter((r) => r.path === '/dead').length;
    await a().post(`/api/${alice.userId}/tasks`, { title: 'after disable' });
    assert.equal((await a().post(`${hooks()}/${hook.id}/test`)).status, 409);
    await sleep(700);
    assert.equal(rx.received.filter((r) => r.path === '/dead').length, count);
    const log = (await a().get(`${hooks()}/${hook.id}/deliveries`)).body;
    assert.ok(log.some((d: any) => d.response_status === 503 && d.error === 'HTTP 503'));
    await a().del(`${hooks()}/${hook.id}`);
  });

  test('a disabled webhook is re-enabled: a clean failure count, the waiting deliveries go out, new events follow', async () => {
    rx.respond = (r) => (r.path === '/revive' ? 503 : 200);
    const hook = (await a().post(hooks(), { url: `${rx.url}/revive`, events: ['task.created'] })).body;
    assert.equal((await a().post(`${hooks()}/${hook.id}/enable`)).body.enabled, true, 'enabling an enabled webhook changes nothing');
    const tasks: any[] = [];
    for (let i = 0; i < 2; i++) tasks.push((await a().post(`/api/${alice.userId}/tasks`, { title: `revive ${i}` })).body);
    await eventually(async () => ((await a().get(`${hooks()}/${hook.id}`)).body.enabled === false ? true : undefined), {
      timeoutMs: 10_000,
    });
    const failed = rx.received.filter((r) => r.path === '/revive').length;
    assert.ok(failed >= 3, `${failed} attempts before the disable`);

    rx.respond = () => 200;
    const mark = rx.received.length;
    const since = (r: Received) => rx.received.indexOf(r) >= mark;
    const enabled = await a().post(`${hooks()}/${hook.id}/enable`);
    assert.equal(enabled.status, 200, JSON.stringify(enabled.body));
    assert.equal(enabled.body.enabled, true);
    assert.equal(enabled.body.consecutive_failures, 0);
    assert.equal(enabled.body.disabled_at, null);
    assert.equal((await a().get(`${hooks()}/${hook.id}`)).body.enabled, true);
    // what was waiting when it was disabled is delivered now (not hours later at its backoff time)
    for (const t of tasks) await rx.next((r) => since(r) && r.path === '/revive' && r.json?.data?.id === t.id, 5000);
    const log = await eventually(async () => {
      const r = (await a().get(`${hooks()}/${hook.id}/deliveries`)).body;
      return r.length === 2 && r.every((d: any) => d.status === 'succeeded') ? r : undefined;
    });
    assert.ok(log.every((d: any) => d.response_status === 200));
    // and new events and pings follow
    const next = (await a().post(`/api/${alice.userId}/tasks`, { title: 'after revival' })).body;
    await rx.next((r) => r.path === '/revive' && r.json?.data?.id === next.id);
    assert.equal((await a().post(`${hooks()}/${hook.id}/test`)).status, 202);
    assert.equal((await a().get(`${hooks()}/${hook.id}`)).body.consecutive_failures, 0);
    await a().del(`${hooks()}/${hook.id}`);
  });

  test('the test ping is a signed webhook.test delivery, logged', async () => {
    rx.respond = () => 200;
    const hook = (await a().post(hooks(), { url: `${rx.url}/ping`, events: ['task.deleted'] })).body;
    const ping = await a().post(`${hooks()}/${hook.id}/test`);
    assert.equal(ping.status, 202);
    assert.equal(ping.body.event_type, 'webhook.test');
    assert.equal(ping.body.status, 'pending');
    const got = await rx.next((r) => r.path === '/ping');
    assert.equal(got.headers['webhook-id'], ping.body.message_id);
    const body = verified(hook.secret, got);
    assert.equal(body.type, 'webhook.test');
    assert.equal(body.data.webhook_id, hook.id);
    const log = await eventually(async () => {
      const r = await a().get(`${hooks()}/${hook.id}/deliveries`);
      return r.body[0]?.status === 'succeeded' ? r.body : undefined;
    });
    assert.equal(log[0].id, ping.body.id);
    await a().del(`${hooks()}/${hook.id}`);
  });

  test("a receiver that never answers holds one slot: other users' deliveries and the API do not wait for it", async () => {
    let connections = 0;
    const hang = http.createServer(() => undefined); // reads the request, never answers
    hang.on('connection', () => connections++);
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const port = (hang.address() as AddressInfo).port;
    try {
      const carol = await signUp(app.url, 'carol');
      const c = client(app.url, carol.token);
      const stuck = (await c.post(`/api/${carol.userId}/webhooks`, { url: `http://127.0.0.1:${port}/`, events: ['task.created'] })).body;
      let slowest = 0;
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        assert.equal((await c.post(`/api/${carol.userId}/tasks`, { title: `into the void ${i}` })).status, 201);
        slowest = Math.max(slowest, performance.now() - t0);
      }
      await eventually(async () => connections >= 1);
      rx.respond = () => 200;
      const b = client(app.url, bob.token);
      const bobHook = (await b.post(`/api/${bob.userId}/webhooks`, { url: `${rx.url}/bob`, events: ['task.created'] })).body;
      const t0 = Date.now();
      await b.post(`/api/${bob.userId}/tasks`, { title: 'not behind carol' });
      const got = await rx.next((r) => r.path === '/bob', 5000);
      const latency = got.at - t0;
      // carol's ten deliveries wait behind her one attempt in flight (timeout 2 s); bob's does not
      assert.ok(latency < 1500, `bob's delivery took ${latency} ms`);
      assert.equal(connections, 1, "one attempt at a time for carol's webhook");
      const log = (await c.get(`/api/${carol.userId}/webhooks/${stuck.id}/deliveries`)).body;
      assert.equal(log.length, 10);
      assert.equal(log.filter((d: any) => d.status === 'sending').length, 1);
      assert.ok(slowest < 1000, `creates stayed fast while the receiver hung (slowest ${Math.round(slowest)} ms)`);
      await c.del(`/api/${carol.userId}/webhooks/${stuck.id}`);
      await b.del(`/api/${bob.userId}/webhooks/${bobHook.id}`);
    } finally {
      hang.closeAllConnections();
      hang.close();
    }
  });

  test('the consumer: one row per event and webhook however often it is delivered; events older than the webhook are not sent', async () => {
    const hook = (await a().post(hooks(), { url: `${rx.url}/consumer`, events: ['task.updated'] })).body;
    const fanout = webhookFanoutProcessor({ db: app.running.services.db, queued: () => undefined });
    const task = (await a().post(`/api/${alice.userId}/tasks`, { title: 'replayed' })).body;
    const event = (at: Date) => ({
      event_id: randomUUID(),
      event_type: 'updated' as const,
      task_id: task.id,
      user_id: alice.userId,
      timestamp: at.toISOString(),
      data: task,
    });
    const fresh = event(new Date());
    await fanout.handle(fresh);
    await fanout.handleMany!([fresh, fresh, event(new Date(Date.now() - 3_600_000))]);
    const rows = await app.running.services.db
      .selectFrom('webhook_deliveries')
      .select('event_id')
      .where('webhook_id', '=', hook.id)
      .execute();
    assert.deepEqual(
      rows.map((r) => r.event_id),
      [fresh.event_id],
    );
    await a().del(`${hooks()}/${hook.id}`);
  });

  test("a shared project's members get its tasks' events on their webhooks (the event's audience: who could see the task); others do not", async () => {
    rx.respond = () => 200;
    const [owner, member, stranger] = await Promise.all([signUp(app.url, 'owner'), signUp(app.url, 'member'), signUp(app.url, 'stranger')]);
    const o = client(app.url, owner.token);
    const project = await o.post(`/api/${owner.userId}/projects`, { name: 'Shared with hooks' });
    assert.equal(project.status, 201, JSON.stringify(project.body));
    const added = await o.post(`/api/${owner.userId}/projects/${project.body.id}/members`, { email: member.email, role: 'editor' });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    for (const [u, path] of [
      [member, '/member'],
      [stranger, '/stranger'],
    ] as const) {
      const r = await client(app.url, u.token).post(`/api/${u.userId}/webhooks`, { url: `${rx.url}${path}`, events: ['task.created'] });
      assert.equal(r.status, 201);
    }
    const task = (await o.post(`/api/${owner.userId}/tasks`, { title: 'shared news', project_id: project.body.id })).body;
    const got = await rx.next((r) => r.path === '/member' && r.json?.data?.id === task.id);
    assert.equal(got.json.data.user_id, owner.userId, "the owner's task, on the member's webhook");
    await sleep(500);
    assert.equal(rx.received.filter((r) => r.path === '/stranger').length, 0);
  });

  test("another user's webhook is 404 on every route, and changes nothing", async () => {
    const hook = (await a().post(hooks(), { url: `${rx.url}/mine`, events: ['task.created'] })).body;
    const b = client(app.url, bob.token);
    const base = `/api/${bob.userId}/webhooks/${hook.id}`;
    for (const [method, url] of [
      ['GET', base],
      ['DELETE', base],
      ['GET', `${base}/deliveries`],
      ['POST', `${base}/test`],
      ['POST', `${base}/enable`],
    ] as const) {
      const r = await b.call(method, url);
      assert.equal(r.status, 404, `${method} ${url}`);
      assert.match(r.headers.get('content-type') ?? '', /problem\+json/);
    }
    assert.equal((await b.get(`/api/${bob.userId}/webhooks`)).body.length, 0);
    assert.equal((await a().get(`${hooks()}/${hook.id}`)).status, 200, 'still there');
    assert.equal((await a().get(`${hooks()}/${hook.id}/deliveries`)).body.length, 0, 'no ping was queued');
    assert.equal((await b.get(`/api/${alice.userId}/webhooks`)).status, 403);
    await a().del(`${hooks()}/${hook.id}`);
  });

  test('bad input is 422 naming the field, and writes nothing', async () => {
    // alice's webhooks from the tests before (whether they cleaned up or not): none may be added
    const before = (await a().get(hooks())).body.length;
    for (const [body, field] of [
      [{ url: `${rx.url}/x`, events: [] }, 'events'],
      [{ url: `${rx.url}/x`, events: ['task.exploded'] }, 'events/0'],
      [{ url: `${rx.url}/x`, events: ['task.created', 'task.created'] }, 'events'],
      [{ url: 'ftp://example.com/x', events: ['task.created'] }, 'url'],
      [{ url: 'not a url', events: ['task.created'] }, 'url'],
      [{ url: `http://user:pw@127.0.0.1:${rx.port}/x`, events: ['task.created'] }, 'url'],
      [{ events: ['task.created'] }, 'url'],
    ] as const) {
      const r = await a().post(hooks(), body);
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.ok(
        r.body.errors.some((e: any) => e.field === field),
        `${JSON.stringify(body)} → ${JSON.stringify(r.body.errors)}`,
      );
    }
    assert.equal((await a().get(hooks())).body.length, before);
  });
});

describe('a pending delivery survives a restart', () => {
  test('the retry scheduled before the stop is sent by the next process', async () => {
    const rx = await startReceiver();
    let app = await startTestApp({ ...FAST, WEBHOOK_RETRY_BASE_MS: '1500' });
    try {
      const alice = await signUp(app.url, 'restart');
      const hook = (await client(app.url, alice.token).post(`/api/${alice.userId}/webhooks`, { url: rx.url, events: ['task.created'] }))
        .body;
      rx.respond = () => 500;
      await client(app.url, alice.token).post(`/api/${alice.userId}/tasks`, { title: 'outlives its process' });
      await rx.next(() => true);
      const dataDir = app.dataDir;
      await eventually(async () => {
        const r = await client(app.url, alice.token).get(`/api/${alice.userId}/webhooks/${hook.id}/deliveries`);
        return r.body[0]?.status === 'pending' && r.body[0].attempts === 1;
      });
      await app.close({ keepData: true });
      rx.respond = () => 200;
      app = await startTestApp({ ...FAST, WEBHOOK_RETRY_BASE_MS: '1500' }, { dataDir });
      const again = await rx.next((r) => rx.received.indexOf(r) === 1, 10_000);
      assert.equal(again.headers['webhook-id'], rx.received[0]!.headers['webhook-id'], 'the same message, retried');
      verified(hook.secret, again);
      const log = await eventually(async () => {
        const r = await client(app.url, alice.token).get(`/api/${alice.userId}/webhooks/${hook.id}/deliveries`);
        return r.body[0]?.status === 'succeeded' ? r.body : undefined;
      });
      assert.equal(log[0].attempts, 2);
      assert.equal(log.length, 1);
    } finally {
      await app.close();
      await rx.close();
    }
  });
});

describe('SSRF: private targets are refused without WEBHOOK_ALLOW_PRIVATE', () => {
  let app: TestApp;
  let alice: Session;
  let rx: Receiver;
  before(async () => {
    app = await startTestApp({ WEBHOOK_POLL_MS: '50', LIMIT_WEBHOOKS: '2' });
    alice = await signUp(app.url, 'ssrf');
    rx = await startReceiver();
  });
  after(async () => {
    await app?.close();
    await rx?.close();
  });

  test('at creation: loopback, private, link-local, unique-local, multicast and names resolving to them', async () => {
    const a = client(app.url, alice.token);
    for (const url of [
      rx.url,
      `http://localhost:${rx.port}/`,
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://10.1.2.3/',
      'http://192.168.0.1/',
      'http://172.16.5.5/',
      'http://169.254.169.254/latest/meta-data',
      'http://[fe80::1]/',
      'http://[fd00::1]/',
      'http://224.0.0.1/',
      'http://0.0.0.0/',
      'http://100.64.0.1/',
    ]) {
      const r = await a.post(`/api/${alice.userId}/webhooks`, { url, events: ['task.created'] });
      assert.equal(r.status, 422, url);
      assert.equal(r.body.errors[0].field, 'url', url);
    }
    assert.equal((await a.get(`/api/${alice.userId}/webhooks`)).body.length, 0);
  });

  test('at delivery: a stored loopback target is refused, nothing reaches it, the log says why', async () => {
    // as if it had been created while it resolved elsewhere (or under another setting)
    const [row] = await app.running.services.db
      .insertInto('webhooks')
      .values({
        user_id: alice.userId,
        url: `${rx.url}/inside`,
        events: ['task.created'],
        secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
        disabled_at: null,
      })
      .returning('id')
      .execute();
    await client(app.url, alice.token).post(`/api/${alice.userId}/tasks`, { title: 'should not leak' });
    const log = await eventually(async () => {
      const r = await client(app.url, alice.token).get(`/api/${alice.userId}/webhooks/${row!.id}/deliveries`);
      return r.body[0]?.attempts >= 1 && r.body[0].status === 'pending' ? r.body : undefined;
    });
    assert.match(log[0].error, /^refused: host 127\.0\.0\.1 resolves to 127\.0\.0\.1 \(loopback\)/);
    assert.equal(log[0].response_status, null);
    assert.equal(rx.received.length, 0, 'the receiver was never contacted');
    await sql`DELETE FROM webhooks WHERE id = ${row!.id}`.execute(app.running.services.db);
  });

  test('DNS answers are checked at every attempt, and the connection goes to the checked address', async () => {
    const o = { timeoutMs: 2000, allowPrivate: false };
    // a name that resolves (also) to a private address is refused
    const mixed = await send('http://hooks.example.test/x', {}, '{}', {
      ...o,
      resolve: async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
    });
    assert.equal(mixed.ok, false);
    assert.match(mixed.error ?? '', /refused: .*127\.0\.0\.1 \(loopback\)/);
    // rebinding: public at creation, loopback at delivery → refused at delivery
    let answers = 0;
    const rebinding = async () => [{ address: answers++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 as const }];
    await resolveTarget(new URL('http://rebind.example.test/'), { allowPrivate: false, resolve: rebinding });
    const r = await send(`http://rebind.example.test:${rx.port}/`, {}, '{}', { ...o, resolve: rebinding });
    assert.match(r.error ?? '', /refused/);
    await assert.rejects(resolveTarget(new URL('http://[fd12::1]/'), { allowPrivate: false, resolve: rebinding }), TargetRefusedError);
    // pinning: the name is never looked up again by the HTTP client (it would not resolve at all)
    const pinned = await send(`http://pinned.example.test:${rx.port}/pinned`, { 'x-test': '1' }, '{"a":1}', {
      timeoutMs: 2000,
      allowPrivate: true,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    assert.equal(pinned.ok, true, pinned.error);
    const got = rx.received.find((x) => x.path === '/pinned')!;
    assert.equal(got.headers.host, `pinned.example.test:${rx.port}`);
    assert.deepEqual(got.json, { a: 1 });
  });

  test('a slow receiver is cut off at the timeout', async () => {
    const slow = await import('node:http').then(
      (http) =>
        new Promise<import('node:http').Server>((resolve) => {
          const s = http.createServer(() => undefined); // never answers
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    );
    const port = (slow.address() as import('node:net').AddressInfo).port;
    const started = Date.now();
    const r = await send(`http://127.0.0.1:${port}/`, {}, '{}', { timeoutMs: 300, allowPrivate: true, resolve: async () => [] });
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /timed out after 300 ms/);
    assert.ok(Date.now() - started < 2000);
    slow.closeAllConnections();
    slow.close();
  });

  test('webhooks per user are limited (LIMIT_WEBHOOKS)', async () => {
    const a = client(app.url, alice.token);
    const make = () => a.post(`/api/${alice.userId}/webhooks`, { url: 'http://93.184.216.34/hook', events: ['task.created'] });
    assert.equal((await make()).status, 201);
    assert.equal((await make()).status, 201);
    const third = await make();
    assert.equal(third.status, 422);
    assert.match(third.body.errors[0].message, /at most 2 webhooks/);
    assert.equal((await a.get(`/api/${alice.userId}/webhooks`)).body.length, 2);
  });
});
