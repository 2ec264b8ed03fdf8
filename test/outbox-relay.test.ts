/**
 * OutboxRelay against a real PostgreSQL and a bus that records or refuses: rows are published in
 * outbox order and marked published only after the bus accepted them; a refusing bus delays them,
 * never loses them; one relay at a time holds the lease.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { signUp, type Session, type TestApp } from './support/app.js';
import { startTestApp } from './support/util.js';
import { createLogger } from '../src/logger.js';
import { OutboxRelay } from '../src/events/relay.js';
import type { EventBus, OutgoingMessage } from '../src/events/bus.js';

let app: TestApp;
let me: Session;
before(async () => {
  app = await startTestApp();
  me = await signUp(app.url, 'relay');
  // the app's own relay steps aside: the relays below are the only publishers
  const { relay } = app.running.services;
  await relay.flush();
  await relay.stop();
  await relay.release();
});
after(async () => app?.close());

const db = () => app.running.services.db;
const log = createLogger('silent');

/** A bus that records what it accepts, or refuses everything while `down`. */
function recordingBus() {
  const emitted: OutgoingMessage[] = [];
  const state = { down: false };
  const bus: EventBus = {
    async emit(messages) {
      if (state.down) throw new Error('broker unavailable');
      emitted.push(...messages);
    },
    subscribe() {},
    unsubscribe() {},
    async close() {},
  };
  return { bus, emitted, state };
}

const pending = async () =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`.execute(db())).rows[0]!.n;

/** Three task events in the outbox, written by the service, the relay not running. */
async function threeEvents(prefix: string): Promise<number[]> {
  const ids: number[] = [];
  for (const n of [1, 2, 3]) ids.push((await app.running.services.tasks.create(me.userId, { title: `${prefix} ${n}` })).id);
  return ids;
}

test('flush publishes every pending row in outbox order and marks it published', async () => {
  const { bus, emitted } = recordingBus();
  const relay = new OutboxRelay(db(), bus, log, { pollMs: 60_000, batchSize: 2 });
  const ids = await threeEvents('ordered');
  assert.equal(await pending(), 3);
  relay.start();
  await relay.flush();
  await relay.stop();
  await relay.release();
  const ours = emitted.filter((m) => ids.includes(Number(m.key)));
  assert.deepEqual(
    ours.map((m) => Number(m.key)),
    ids,
    'one event per task, in the order they were written',
  );
  const seqs = emitted.map((m) => m.seq);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'seq increasing across batches',
  );
  assert.equal(await pending(), 0);
});

test('a refusing bus leaves the rows unpublished; the next pass publishes them once it accepts again', async () => {
  const { bus, emitted, state } = recordingBus();
  const relay = new OutboxRelay(db(), bus, log, { pollMs: 60_000 });
  state.down = true;
  const ids = await threeEvents('delayed');
  relay.start(); // one pass: it fails, and stop() waits for it
  await relay.stop();
  assert.equal(emitted.length, 0);
  assert.equal(await pending(), 3, 'nothing marked published');
  state.down = false;
  relay.start();
  await relay.stop();
  await relay.release();
  assert.deepEqual(
    emitted.map((m) => Number(m.key)),
    ids,
  );
  assert.equal(await pending(), 0);
});

test('one relay holds the lease at a time; releasing it lets another take over at once', async () => {
  const first = new OutboxRelay(db(), recordingBus().bus, log, { pollMs: 60_000 });
  const second = recordingBus();
  const other = new OutboxRelay(db(), second.bus, log, { pollMs: 60_000 });
  first.start();
  await first.stop();
  assert.equal(first.holdsLease(), true);
  await threeEvents('leased');
  other.start();
  await other.stop();
  assert.equal(other.holdsLease(), false, 'the lease is held by the first');
  assert.equal(second.emitted.length, 0);
  assert.equal(await pending(), 3);
  await first.release();
  other.start();
  await other.stop();
  assert.equal(other.holdsLease(), true, 'taken over without waiting for the lease to expire');
  assert.equal(second.emitted.length, 3, 'the successor published the pending rows');
  await other.release();
});
