/**
 * Tokens of an external identity provider: one sharing AUTH_SECRET (HS256), one publishing a
 * JWKS (RS256). Both reach the API as their subject; a token signed by anyone else does not.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { client, startApp, type TestApp } from './support/app.js';

const SECRET = 'an-external-provider-shared-secret-of-48-chars!!';
let app: TestApp;
let jwks: Server;
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let signingKey: PrivateKey;
let strangerKey: PrivateKey;

before(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const port = (jwks.address() as { port: number }).port;
  app = await startApp({
    AUTH_SECRET: SECRET,
    AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    AUTH_ISSUER: 'https://idp.example',
    AUTH_AUDIENCE: 'taskstream',
  });
});

after(async () => {
  await app.close();
  jwks.close();
});

const rs256 = (key: PrivateKey, sub: string, claims: { iss?: string; aud?: string } = {}) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject(sub)
    .setIssuer(claims.iss ?? 'https://idp.example')
    .setAudience(claims.aud ?? 'taskstream')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);

const hs256 = (sub: string, claims: { iss?: string; aud?: string } = {}) => {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('5m');
  if (claims.iss) jwt.setIssuer(claims.iss);
  if (claims.aud) jwt.setAudience(claims.aud);
  return jwt.sign(new TextEncoder().encode(SECRET));
};

test('an HS256 token signed with the shared AUTH_SECRET and the configured issuer/audience is accepted as its subject', async () => {
  const api = client(app.url, await hs256('better-auth-user-1', { iss: 'https://idp.example', aud: 'taskstream' }));
  const created = await api.post('/api/better-auth-user-1/tasks', { title: 'from the other front end' });
  assert.equal(created.status, 201);
  assert.equal(created.body.user_id, 'better-auth-user-1');
  assert.equal((await api.get('/api/someone-else/tasks')).status, 403);
  // never registered, yet it has its Inbox (made on first need), and the task is in it
  const projects = await api.get('/api/better-auth-user-1/projects');
  assert.equal(projects.status, 200);
  assert.deepEqual(
    projects.body.map((p: { name: string; inbox: boolean }) => [p.name, p.inbox]),
    [['Inbox', true]],
  );
  assert.equal(created.body.project_id, projects.body[0].id);
});

test("an external identity provider's user who lists projects first gets exactly one Inbox, even when asking concurrently", async () => {
  const api = client(app.url, await hs256('better-auth-user-2', { iss: 'https://idp.example', aud: 'taskstream' }));
  const lists = await Promise.all([1, 2, 3, 4].map(() => api.get('/api/better-auth-user-2/projects')));
  for (const l of lists) assert.equal(l.status, 200);
  const ids = new Set(lists.flatMap((l) => l.body.map((p: { id: number }) => p.id)));
  assert.equal(ids.size, 1, 'one Inbox');
  const task = await api.post('/api/better-auth-user-2/tasks', { title: 'lands in the Inbox' });
  assert.equal(task.body.project_id, [...ids][0]);
});

test('an HS256 token with the shared secret but another issuer or audience (or none) is refused', async () => {
  for (const claims of [
    {},
    { iss: 'evil', aud: 'other' },
    { iss: 'https://idp.example', aud: 'other' },
    { iss: 'evil', aud: 'taskstream' },
  ]) {
    const res = await client(app.url, await hs256('better-auth-user-1', claims)).get('/api/better-auth-user-1/tasks');
    assert.equal(res.status, 401, JSON.stringify(claims));
  }
});

test('an RS256 token verified through the JWKS is accepted; wrong key, issuer or audience is not', async () => {
  const ok = client(app.url, await rs256(signingKey, 'idp-user-7'));
  assert.equal((await ok.post('/api/idp-user-7/tasks', { title: 'hello' })).status, 201);
  assert.equal((await ok.get('/api/idp-user-7/tasks')).body.length, 1);

  for (const bad of [
    await rs256(strangerKey, 'idp-user-7'),
    await rs256(signingKey, 'idp-user-7', { iss: 'https://evil.example' }),
    await rs256(signingKey, 'idp-user-7', { aud: 'another-api' }),
  ]) {
    const res = await client(app.url, bad).get('/api/idp-user-7/tasks');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  }
});
