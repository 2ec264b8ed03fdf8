/**
 * Personal access tokens: shown once, stored as a hash, scoped,
 * revocable at once, refused when expired, accepted on the REST API and the SSE stream, limited
 * per user (LIMIT_TOKENS), and unable to manage tokens or preferences.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { client, signUp, type Session, type TestApp } from './support/app.js';
import { openStream, startTestApp } from './support/util.js';

let app: TestApp;
let me: Session;
let other: Session;
const LIMIT = 4;

before(async () => {
  app = await startTestApp({ LIMIT_TOKENS: String(LIMIT) });
  [me, other] = await Promise.all([signUp(app.url, 'pat'), signUp(app.url, 'pat-other')]);
});
after(async () => app?.close());

const tokensUrl = (s: Session) => `/api/${s.userId}/tokens`;
async function mint(scopes: string[], extra: Record<string, unknown> = {}, s: Session = me) {
  const r = await client(app.url, s.token).post(tokensUrl(s), { name: `token ${scopes.join('+')}`, scopes, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string; token: string; scopes: string[]; hint: string; expires_at: string | null };
}
async function revokeAll(s: Session = me) {
  const api = client(app.url, s.token);
  for (const t of (await api.get(tokensUrl(s))).body) assert.equal((await api.del(`${tokensUrl(s)}/${t.id}`)).status, 204);
}

describe('personal access tokens', () => {
  test('created with the secret shown once; listed without it; stored only as its SHA-256', async () => {
    const created = await mint(['tasks:read', 'tasks:write']);
    assert.match(created.token, /^tsk_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.hint, created.token.slice(-4));
    const list = await client(app.url, me.token).get(tokensUrl(me));
    assert.equal(list.status, 200);
    const listed = list.body.find((t: { id: string }) => t.id === created.id);
    assert.deepEqual(Object.keys(listed).sort(), ['created_at', 'expires_at', 'hint', 'id', 'last_used_at', 'name', 'scopes']);
    assert.doesNotMatch(JSON.stringify(list.body), new RegExp(created.token));
    const rows = await sql<{ token_hash: Buffer }>`SELECT token_hash FROM access_tokens WHERE id = ${created.id}`.execute(
      app.running.services.db,
    );
    assert.deepEqual(rows.rows[0]?.token_hash, createHash('sha256').update(created.token).digest());
    const dump = await sql<{ t: string }>`SELECT row_to_json(a)::text AS t FROM access_tokens a`.execute(app.running.services.db);
    assert.ok(!dump.rows.some((r) => r.t.includes(created.token.slice(4))), 'the secret is nowhere in the table');
    await revokeAll();
  });

  test('a token works on the REST API like a login, and last_used_at records it', async () => {
    const { token, id } = await mint(['tasks:read', 'tasks:write']);
    const api = client(app.url, token);
    const created = await api.post(`/api/${me.userId}/tasks`, { title: 'via token' });
    assert.equal(created.status, 201);
    assert.equal(created.body.user_id, me.userId);
    const list = await api.get(`/api/${me.userId}/tasks`);
    assert.equal(list.status, 200);
    assert.ok(list.body.some((t: { title: string }) => t.title === 'via token'));
    // another user's path: 403 like any token
    assert.equal((await api.get(`/api/${other.userId}/tasks`)).status, 403);
    const listed = (await client(app.url, me.token).get(tokensUrl(me))).body.find((t: { id: string }) => t.id === id);
    assert.ok(listed.last_used_at, 'last_used_at is set');
    await revokeAll();
  });

  test('scopes: reads need tasks:read, writes need tasks:write (403, nothing written)', async () => {
    const reader = client(app.url, (await mint(['tasks:read'])).token);
    const writer = client(app.url, (await mint(['tasks:write'])).token);
    assert.equal((await reader.get(`/api/${me.userId}/tasks`)).status, 200);
    assert.equal((await reader.get(`/api/${me.userId}/notifications`)).status, 200);
    const refused = await reader.post(`/api/${me.userId}/tasks`, { title: 'should not exist' });
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('content-type') ?? '', /problem\+json/);
    assert.match(refused.body.detail, /tasks:write/);
    assert.equal((await writer.get(`/api/${me.userId}/tasks`)).status, 403);
    const made = await writer.post(`/api/${me.userId}/tasks`, { title: 'writer made this' });
    assert.equal(made.status, 201);
    assert.equal((await reader.patch(`/api/${me.userId}/tasks/${made.body.id}/complete`)).status, 403);
    assert.equal((await reader.del(`/api/${me.userId}/tasks/${made.body.id}`)).status, 403);
    const all = (await client(app.url, me.token).get(`/api/${me.userId}/tasks?limit=200`)).body;
    assert.ok(!all.some((t: { title: string }) => t.title === 'should not exist'));
    assert.equal(all.find((t: { id: number }) => t.id === made.body.id).completed, false);
    await revokeAll();
  });

  test('a token cannot manage tokens, webhooks or the calendar feed, nor change preferences; it may read them', async () => {
    const full = await mint(['tasks:read', 'tasks:write']);
    const api = client(app.url, full.token);
    assert.equal((await api.get(tokensUrl(me))).status, 403);
    assert.equal((await api.post(tokensUrl(me), { name: 'child', scopes: ['tasks:read'] })).status, 403);
    assert.equal((await api.del(`${tokensUrl(me)}/${full.id}`)).status, 403);
    assert.equal((await api.put(`/api/${me.userId}/preferences`, { timezone: 'Asia/Tokyo' })).status, 403);
    assert.equal((await api.get(`/api/${me.userId}/preferences`)).status, 200);
    // each of these opens another long-lived way to the data, which would outlive the token's revocation
    assert.equal((await api.get(`/api/${me.userId}/webhooks`)).status, 403);
    assert.equal((await api.post(`/api/${me.userId}/webhooks`, { url: 'https://example.com/hook', events: ['task.created'] })).status, 403);
    assert.equal((await api.post(`/api/${me.userId}/calendar-feed`)).status, 403);
    assert.equal((await client(app.url, me.token).get(`/api/${me.userId}/webhooks`)).body.length, 0, 'no webhook was made');
    assert.equal((await client(app.url, me.token).get(tokensUrl(me))).body.length, 1, 'no token was minted');
    await revokeAll();
  });

  test('revoked: the very next call is 401, on the REST API and on the stream', async () => {
    const { token, id } = await mint(['tasks:read']);
    const api = client(app.url, token);
    assert.equal((await api.get(`/api/${me.userId}/tasks`)).status, 200);
    assert.equal((await client(app.url, me.token).del(`${tokensUrl(me)}/${id}`)).status, 204);
    const after = await api.get(`/api/${me.userId}/tasks`);
    assert.equal(after.status, 401);
    assert.match(after.headers.get('www-authenticate') ?? '', /^Bearer/);
    const stream = await openStream(`${app.url}/api/${me.userId}/stream`, { authorization: `Bearer ${token}` });
    assert.equal(stream.status, 401);
    stream.close();
    assert.equal((await client(app.url, me.token).del(`${tokensUrl(me)}/${id}`)).status, 404, 'revoking twice: 404');
  });

  test('the SSE stream takes a token in the Authorization header (tasks:read), not in the URL', async () => {
    const { token } = await mint(['tasks:read']);
    const stream = await openStream(`${app.url}/api/${me.userId}/stream`, { authorization: `Bearer ${token}` });
    assert.equal(stream.status, 200);
    stream.close();
    const inUrl = await openStream(`${app.url}/api/${me.userId}/stream?access_token=${token}`);
    assert.equal(inUrl.status, 401);
    inUrl.close();
    const writeOnly = await openStream(`${app.url}/api/${me.userId}/stream`, {
      authorization: `Bearer ${(await mint(['tasks:write'])).token}`,
    });
    assert.equal(writeOnly.status, 403);
    writeOnly.close();
    await revokeAll();
  });

  test('expired: 401 from its expiry on; an expiry in the past or outside 1900–2200 is refused', async () => {
    const { token, id } = await mint(['tasks:read'], { expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    const api = client(app.url, token);
    assert.equal((await api.get(`/api/${me.userId}/tasks`)).status, 200);
    await sql`UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE id = ${id}`.execute(app.running.services.db);
    const r = await api.get(`/api/${me.userId}/tasks`);
    assert.equal(r.status, 401);
    assert.match(r.body.detail, /expired/);
    const owner = client(app.url, me.token);
    for (const expires_at of [new Date(Date.now() - 1000).toISOString(), '2300-01-01T00:00:00Z']) {
      const bad = await owner.post(tokensUrl(me), { name: 'x', scopes: ['tasks:read'], expires_at });
      assert.equal(bad.status, 422, expires_at);
      assert.equal(bad.body.errors[0].field, 'expires_at');
    }
    await revokeAll();
  });

  test('bad input is 422 naming the field; unknown, malformed and foreign tokens are 401/404', async () => {
    const owner = client(app.url, me.token);
    for (const [body, field] of [
      [{ name: '', scopes: ['tasks:read'] }, 'name'],
      [{ name: 'x', scopes: [] }, 'scopes'],
      [{ name: 'x', scopes: ['admin'] }, 'scopes/0'],
      [{ name: 'x', scopes: ['tasks:read'], extra: 1 }, 'extra'],
    ] as const) {
      const r = await owner.post(tokensUrl(me), body);
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.ok(
        r.body.errors.some((e: { field: string }) => e.field === field),
        JSON.stringify(r.body.errors),
      );
    }
    assert.equal((await owner.get(tokensUrl(me))).body.length, 0, 'nothing was created');
    for (const bogus of ['tsk_' + 'A'.repeat(43), 'tsk_short', 'tsk_' + 'é'.repeat(43)]) {
      assert.equal((await client(app.url, bogus).get(`/api/${me.userId}/tasks`)).status, 401, bogus);
    }
    const theirs = await mint(['tasks:read'], {}, other);
    assert.equal((await owner.del(`${tokensUrl(me)}/${theirs.id}`)).status, 404, "another user's token id: 404");
    assert.equal((await client(app.url, theirs.token).get(`/api/${other.userId}/tasks`)).status, 200, 'and it still works');
    await revokeAll(other);
  });

  test(`at most LIMIT_TOKENS (${LIMIT}) per user: one more is 422; revoking makes room`, async () => {
    const made = [];
    for (let i = 0; i < LIMIT; i++) made.push(await mint(['tasks:read']));
    const over = await client(app.url, me.token).post(tokensUrl(me), { name: 'one too many', scopes: ['tasks:read'] });
    assert.equal(over.status, 422);
    assert.match(over.body.errors[0].message, new RegExp(`at most ${LIMIT}`));
    assert.equal((await client(app.url, me.token).del(`${tokensUrl(me)}/${made[0]!.id}`)).status, 204);
    await mint(['tasks:read']);
    await revokeAll();
  });
});
