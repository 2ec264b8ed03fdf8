import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { pino } from 'pino';
import { earlyListener } from './early-listener.js';
import { freePort } from '../../test/support/service.js';

const log = pino({ level: 'silent' });

test('answers /healthz 200 and anything else 503, without keeping the connection', async () => {
  const port = await freePort();
  const early = await earlyListener(port, '127.0.0.1', log);
  try {
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('connection'), 'close');
    assert.equal((await fetch(`http://127.0.0.1:${port}/dapr/subscribe`)).status, 503);
  } finally {
    await early.close();
  }
});

test('closes at once although a client holds a connection that never sent a request (as daprd does)', async () => {
  const port = await freePort();
  const early = await earlyListener(port, '127.0.0.1', log);
  const spare = connect(port, '127.0.0.1');
  await once(spare, 'connect');
  const outcome = await Promise.race([
    early.close().then(() => 'closed'),
    new Promise((r) => setTimeout(r, 2_000, 'still open after 2 s')),
  ]);
  spare.destroy();
  assert.equal(outcome, 'closed');
});
