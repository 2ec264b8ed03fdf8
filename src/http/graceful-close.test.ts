import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import Fastify from 'fastify';
import { closeConnectionsPromptly } from './graceful-close.js';

test('close() ends a connection that never sent a request at once, and a request in flight gets its response, then its connection ends', async () => {
  const app = Fastify();
  closeConnectionsPromptly(app);
  let release!: () => void;
  let arrived!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const reached = new Promise<void>((r) => (arrived = r));
  app.get('/slow', async () => {
    arrived();
    await held;
    return 'done';
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const spare = connect(port, '127.0.0.1');
  await once(spare, 'connect');
  const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
  await reached;
  const closing = app.close().then(() => 'closed');
  const spareEnded = once(spare, 'close').then(() => 'ended');
  assert.equal(await Promise.race([spareEnded, new Promise((r) => setTimeout(r, 2_000, 'still open'))]), 'ended');
  release();
  const res = await inFlight;
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'done');
  // Fastify's keep-alive timeout is 72 s: this connection would hold close() as long
  assert.equal(await Promise.race([closing, new Promise((r) => setTimeout(r, 500, 'close still waiting'))]), 'closed');
});
