import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { OpenStreams } from './open-streams.js';

/** What OpenStreams uses of a response: end() (which closes it) and its 'close' event. */
function response(): ServerResponse & { ended: boolean } {
  const res = Object.assign(new EventEmitter(), { ended: false });
  return Object.assign(res, {
    end() {
      res.ended = true;
      res.emit('close');
    },
  }) as unknown as ServerResponse & { ended: boolean };
}

test('endAll ends the open streams; a closed one is forgotten', () => {
  const streams = new OpenStreams();
  const [a, b] = [response(), response()];
  streams.add(a).add(b);
  a.end();
  assert.deepEqual([...streams], [b]);
  streams.endAll();
  assert.equal(b.ended, true);
  assert.equal(streams.size, 0);
});

test('a stream added after endAll (its request was in flight at shutdown) is ended at once', () => {
  const streams = new OpenStreams();
  streams.endAll();
  const late = response();
  streams.add(late);
  assert.equal(late.ended, true);
  assert.equal(streams.size, 0);
});
