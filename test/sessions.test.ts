/**
 * Sessions: short-lived access tokens with our issuer and audience, rotating refresh
 * tokens in an HttpOnly SameSite=Strict cookie (stored hashed), reuse detection, sign out, sign
 * out everywhere, password change, single-use SSE tickets shared by every process on the database,
 * login throttling per client and per account in the database, and the password policy.
 * Two app processes share one database here (a second API replica), with TRUST_PROXY=1 so the
 * tests can speak for many client addresses through X-Forwarded-For.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { client, signUp, startApp, type Session, type TestApp } from './support/app.js';
import { nowSeconds, openStream, sleep, startTestApp } from './support/util.js';

const AUTH_SECRET = 'sessions-test-secret-of-at-least-32-characters';
const PASSWORD = 'correct horse battery';
let app: TestApp;
/** a second replica on the same database */
let replica: TestApp;

before(async () => {
  app = await startTestApp({ AUTH_SECRET, TRUST_PROXY: '1' });
  replica = await startApp({ AUTH_SECRET, TRUST_PROXY: '1', DATABASE_URL: app.running.database.url });
});
after(async () => {
  await replica?.close();
  await app?.close();
});

let ipCounter = 0;
/** a client address of its own for each call site (the per-client budget is not what most tests are about) */
const freshIp = () => `198.51.100.${++ipCounter % 250}`;

interface Signed {
  status: number;
  body: any;
  cookie: string | undefined;
  setCookie: string | undefined;
}

async function post(
  base: string,
  path: string,
  opts: { body?: unknown; cookie?: string; ip?: string; token?: string; proto?: string } = {},
) {
  const headers: Record<string, string> = { 'x-forwarded-for': opts.ip ?? freshIp() };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.proto) headers['x-forwarded-proto'] = opts.proto;
  const res = await fetch(base + path, { method: 'POST', headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('taskstream_refresh='));
  const value = setCookie?.split(';')[0];
  return {
    status: res.status,
    body: text ? JSON.parse(text) : undefined,
    cookie: value && value !== 'taskstream_refresh=' ? value : undefined,
    setCookie,
    headers: res.headers,
  } as Signed & { headers: Headers };
}

const login = (email: string, password = PASSWORD, ip?: string, base = app.url) =>
  post(base, '/api/auth/login', { body: { email, password }, ...(ip ? { ip } : {}) });
const refresh = (cookie: string | undefined, base = app.url) => post(base, '/api/auth/refresh', cookie ? { cookie } : {});

describe('access and refresh tokens', () => {
  let me: Session;
  before(async () => {
    me = await signUp(app.url, 'sess');
  });

  test('login: an access token of at most 15 minutes with our iss and aud, and an HttpOnly SameSite=Strict refresh cookie', async () => {
    const r = await login(me.email);
    assert.equal(r.status, 200);
    assert.ok(r.body.expires_in > 0 && r.body.expires_in <= 900, `expires_in ${r.body.expires_in}`);
    const claims = JSON.parse(Buffer.from(r.body.access_token.split('.')[1], 'base64url').toString());
    assert.equal(claims.iss, 'taskstream');
    assert.equal(claims.aud, 'taskstream');
    assert.ok(claims.exp - nowSeconds() <= 900);
    assert.equal(r.body.refresh_token, undefined, 'the refresh token is never in a body');
    const attrs = r.setCookie!.split(';').map((a) => a.trim().toLowerCase());
    assert.ok(attrs.includes('httponly'), r.setCookie);
    assert.ok(attrs.includes('samesite=strict'), r.setCookie);
    assert.ok(attrs.includes('path=/api/auth'), r.setCookie);
    assert.ok(!attrs.includes('secure'), 'plain http: not Secure (the browser would drop it)');
    assert.equal(r.headers.get('cache-control'), 'no-store');

    const https = await post(app.url, '/api/auth/login', { body: { email: me.email, password: PASSWORD }, proto: 'https' });
    assert.ok(https.setCookie!.toLowerCase().includes('; secure'), `over https (via the proxy): Secure: ${https.setCookie}`);
  });

  test('the refresh token is stored hashed, never as sent', async () => {
    const r = await login(me.email);
    const secret = decodeURIComponent(r.cookie!.split('=')[1]!);
    const rows = await sql<{ h: Buffer }>`SELECT token_hash AS h FROM refresh_tokens WHERE user_id = ${me.userId}`.execute(
      app.running.services.db,
    );
    const hex = rows.rows.map((x) => x.h.toString('hex'));
    assert.ok(hex.includes(createHash('sha256').update(secret).digest('hex')));
    const dump = await sql<{ t: string }>`SELECT refresh_tokens::text AS t FROM refresh_tokens`.execute(app.running.services.db);
    assert.ok(!dump.rows.some((x) => x.t.includes(secret)));
  });

  test('refresh rotates the cookie; a reused one revokes the whole family (the thief and the victim both sign in again)', async () => {
    const first = await login(me.email);
    const second = await refresh(first.cookie);
    assert.equal(second.status, 200);
    assert.ok(second.cookie && second.cookie !== first.cookie, 'a new refresh token');
    assert.equal((await client(app.url, second.body.access_token).get(`/api/${me.userId}/tasks`)).status, 200);
    // the replica (another process on the database) rotates it just as well
    const third = await refresh(second.cookie, replica.url);
    assert.equal(third.status, 200);

    const reuse = await refresh(first.cookie);
    assert.equal(reuse.status, 401);
    assert.match(reuse.body.detail, /already used/);
    assert.match(reuse.setCookie ?? '', /taskstream_refresh=;/, 'the cookie is cleared');
    assert.equal((await refresh(third.cookie)).status, 401, 'the newest token of the family is revoked too');
    const other = await login(me.email);
    assert.equal((await refresh(other.cookie)).status, 200, 'another session of the user is not affected');
  });

  test('refresh without a cookie, or with a made-up one: 401', async () => {
    assert.equal((await refresh(undefined)).status, 401);
    assert.equal((await refresh('taskstream_refresh=made-up')).status, 401);
  });

  test('sign out ends that session only; sign out everywhere ends all of them', async () => {
    const a = await login(me.email);
    const b = await login(me.email);
    const c = await login(me.email);
    const out = await post(app.url, '/api/auth/logout', { cookie: a.cookie! });
    assert.equal(out.status, 204);
    assert.match(out.setCookie ?? '', /taskstream_refresh=;/);
    assert.equal((await refresh(a.cookie)).status, 401);
    const b2 = await refresh(b.cookie);
    assert.equal(b2.status, 200);

    const everywhere = await fetch(`${app.url}/api/${me.userId}/sessions`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${b2.body.access_token}` },
    });
    assert.equal(everywhere.status, 204);
    assert.equal((await refresh(b2.cookie)).status, 401);
    assert.equal((await refresh(c.cookie)).status, 401);
  });

  test('an HS256 token with our secret but another issuer or audience is refused', async () => {
    const { SignJWT } = await import('jose');
    const key = new TextEncoder().encode(AUTH_SECRET);
    const sign = (iss: string | undefined, aud: string | undefined) => {
      const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(me.userId).setExpirationTime('5m');
      if (iss) jwt.setIssuer(iss);
      if (aud) jwt.setAudience(aud);
      return jwt.sign(key);
    };
    for (const [iss, aud] of [
      ['evil', 'other'],
      ['taskstream', 'other'],
      ['evil', 'taskstream'],
      [undefined, undefined],
    ] as const) {
      const r = await client(app.url, await sign(iss, aud)).get(`/api/${me.userId}/tasks`);
      assert.equal(r.status, 401, `iss ${iss} aud ${aud}`);
    }
    assert.equal((await client(app.url, await sign('taskstream', 'taskstream')).get(`/api/${me.userId}/tasks`)).status, 200);
  });
});

describe('password change', () => {
  test('422 weak (names new_password), 403 wrong current, 204: other sessions end, this client keeps a fresh one', async () => {
    const me = await signUp(app.url, 'pwchange');
    const other = await login(me.email);
    const mine = await login(me.email);
    const change = (body: unknown) =>
      post(app.url, `/api/${me.userId}/password`, { body, token: mine.body.access_token, ip: '203.0.113.7' });

    const weak = await change({ current_password: PASSWORD, new_password: 'password1234' });
    assert.equal(weak.status, 422);
    assert.deepEqual(
      weak.body.errors.map((e: { field: string }) => e.field),
      ['new_password'],
    );
    const wrong = await change({ current_password: 'not my password', new_password: 'a much longer new passphrase' });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.errors[0].field, 'current_password');
    assert.equal((await refresh(other.cookie)).status, 200, 'failed attempts revoked nothing');

    const ok = await change({ current_password: PASSWORD, new_password: 'a much longer new passphrase' });
    assert.equal(ok.status, 204);
    assert.ok(ok.cookie, 'a fresh refresh cookie for this client');
    assert.equal((await refresh(ok.cookie)).status, 200);
    assert.equal((await refresh(mine.cookie)).status, 401, 'the old session of this client ended');
    assert.equal((await login(me.email)).status, 401, 'the old password no longer works');
    assert.equal((await login(me.email, 'a much longer new passphrase')).status, 200);
  });
});

describe('SSE tickets', () => {
  let me: Session;
  before(async () => {
    me = await signUp(app.url, 'ticket');
  });
  const ticket = async () => {
    const r = await client(app.url, me.token).post(`/api/${me.userId}/stream-ticket`);
    assert.equal(r.status, 201);
    assert.ok(r.body.expires_in > 0 && r.body.expires_in <= 60);
    return r.body.ticket as string;
  };

  test('a ticket opens one stream, once; on another replica too', async () => {
    const t = await ticket();
    const stream = await openStream(`${replica.url}/api/${me.userId}/stream?ticket=${t}`);
    assert.equal(stream.status, 200, 'issued by one process, redeemed by another');
    const created = await client(app.url, me.token).post(`/api/${me.userId}/tasks`, { title: 'live via ticket' });
    await stream.next((e) => e.event === 'task' && e.data.task_id === created.body.id);
    stream.close();
    const again = await fetch(`${app.url}/api/${me.userId}/stream?ticket=${t}`);
    assert.equal(again.status, 401, 'single use');
    await again.body?.cancel();
  });

  test('a stream ends after LIMIT_SSE_SECONDS: it was authenticated once, a revoked session stops listening too', async () => {
    const short = await startApp({ AUTH_SECRET, DATABASE_URL: app.running.database.url, LIMIT_SSE_SECONDS: '1' });
    try {
      const t0 = Date.now();
      const stream = await openStream(`${short.url}/api/${me.userId}/stream?ticket=${await ticket()}`);
      assert.equal(stream.status, 200);
      await stream.ended;
      const lasted = Date.now() - t0;
      assert.ok(lasted >= 900 && lasted < 5000, `ended after ${lasted} ms`);
    } finally {
      await short.close();
    }
  });

  test('an invalid Authorization header beside a valid ticket is refused, not ignored (and does not spend the ticket)', async () => {
    const t = await ticket();
    for (const authorization of ['Bearer not-a-token', 'Basic dXNlcjpwYXNz', 'Bearer']) {
      const r = await fetch(`${app.url}/api/${me.userId}/stream?ticket=${t}`, { headers: { authorization } });
      assert.equal(r.status, 401, authorization);
      await r.body?.cancel();
    }
    const stream = await openStream(`${app.url}/api/${me.userId}/stream?ticket=${t}`, { authorization: `Bearer ${me.token}` });
    assert.equal(stream.status, 200, 'a valid header and a valid ticket');
    stream.close();
  });

  test('an expired ticket is refused', async () => {
    const secret = 'an-expired-ticket-0123456789';
    await sql`INSERT INTO stream_tickets (ticket_hash, user_id, expires_at)
              VALUES (${createHash('sha256').update(secret).digest()}, ${me.userId}, now() - interval '1 second')`.execute(
      app.running.services.db,
    );
    const r = await fetch(`${app.url}/api/${me.userId}/stream?ticket=${secret}`);
    assert.equal(r.status, 401);
    await r.body?.cancel();
  });
});

describe('login throttling in the shared database', () => {
  test('one account guessed from many addresses: 429 after 5, Retry-After is honest, the owner then gets in', async () => {
    const me = await signUp(app.url, 'throttle');
    const statuses: number[] = [];
    let retryAfter = 0;
    for (let i = 0; i < 8; i++) {
      // alternating replicas: both count into the same budget
      const r = await login(me.email, `guess number ${i}`, freshIp(), i % 2 ? replica.url : app.url);
      statuses.push(r.status);
      if (r.status === 429) {
        retryAfter = Number(r.headers.get('retry-after'));
        break;
      }
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
    assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter}`);
    assert.equal((await login(me.email, PASSWORD, freshIp())).status, 429, 'the right password too, while blocked (no oracle)');
    await sleep(retryAfter * 1000 + 100);
    const owner = await login(me.email, PASSWORD, freshIp());
    assert.equal(owner.status, 200, 'the lockout lasted no longer than Retry-After said');
    const after = await login(me.email, 'one more guess', freshIp());
    assert.equal(after.status, 401, 'a success started the count over');
  });

  test('each further guess waits twice as long (1 s, 2 s, …)', async () => {
    const me = await signUp(app.url, 'backoff');
    for (let i = 0; i < 5; i++) assert.equal((await login(me.email, `guess ${i}`, freshIp())).status, 401);
    const first = await login(me.email, 'guess 5', freshIp());
    assert.equal(first.status, 429);
    await sleep(Number(first.headers.get('retry-after')) * 1000 + 100);
    assert.equal((await login(me.email, 'guess 6', freshIp())).status, 401);
    const second = await login(me.email, 'guess 7', freshIp());
    assert.equal(second.status, 429);
    assert.equal(Number(second.headers.get('retry-after')), 2);
  });

  test('one address trying many accounts: 429 after 10 a minute, on every replica; another address is unaffected', async () => {
    const ip = '192.0.2.99';
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await login(`nobody-${i}-${Date.now()}@example.com`, 'whatever else', ip, i % 2 ? replica.url : app.url)).status);
    assert.deepEqual(statuses, [...Array(10).fill(401), 429, 429]);
    const me = await signUp(app.url, 'innocent');
    assert.equal((await login(me.email, PASSWORD, '192.0.2.100')).status, 200);
  });

  test('without TRUST_PROXY, X-Forwarded-For is ignored (a client cannot pick its address)', async () => {
    const plain = await startApp({ AUTH_SECRET, DATABASE_URL: app.running.database.url });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++)
        statuses.push((await login(`nobody-plain-${i}@example.com`, 'whatever else', freshIp(), plain.url)).status);
      // earlier tests' sign-ups already spent some of the loopback address's budget: what matters is that the
      // rotating X-Forwarded-For did not give each attempt a budget of its own
      const first429 = statuses.indexOf(429);
      assert.ok(first429 >= 0 && first429 <= 10, `every attempt counted against the socket address: ${statuses.join(',')}`);
      assert.ok(
        statuses.slice(first429).every((st) => st === 429),
        statuses.join(','),
      );
    } finally {
      await plain.close();
    }
  });
});

describe('password policy', () => {
  for (const [label, password] of [
    ['eight spaces', ' '.repeat(8)],
    ['twelve spaces', ' '.repeat(12)],
    ['"password"', 'password'],
    ['"12345678"', '12345678'],
    ['a common one padded to 12', 'password1234'],
    ['a keyboard walk', 'qwertyuiop123'],
    ['a repetition', 'aaaaaaaaaaaaaaaa'],
    ['the email itself', 'EMAIL'],
  ] as const) {
    test(`refused at registration: ${label} (422 naming password, no account)`, async () => {
      const email = `policy-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
      const r = await post(app.url, '/api/auth/register', { body: { email, password: password === 'EMAIL' ? email : password } });
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.ok(
        r.body.errors.some((e: { field: string }) => e.field === 'password'),
        JSON.stringify(r.body.errors),
      );
      const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM users WHERE email = ${email}`.execute(app.running.services.db);
      assert.equal(rows.rows[0]!.n, 0);
    });
  }

  test('a long passphrase is accepted', async () => {
    const r = await post(app.url, '/api/auth/register', {
      body: { email: `ok-${Date.now()}@example.com`, password: 'plum kettle orbit seven' },
    });
    assert.equal(r.status, 201);
  });
});
