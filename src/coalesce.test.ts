import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coalesced } from './coalesce.js';

test('coalesced: one run at a time; calls during a run make exactly one more run', async () => {
  let runs = 0;
  let release: () => void = () => {};
  const run = coalesced(async () => {
    runs++;
    await new Promise<void>((r) => (release = r));
  });
  run();
  run();
  run();
  assert.equal(runs, 1, 'the calls during the run wait for it');
  release();
  await new Promise((r) => setImmediate(r));
  assert.equal(runs, 2, 'then one more run for all of them');
  release();
  await new Promise((r) => setImmediate(r));
  assert.equal(runs, 2, 'and no more');
  run();
  assert.equal(runs, 3, 'an idle one runs at once');
  release();
});
