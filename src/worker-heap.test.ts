import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerExecArgv } from './worker-heap.js';

test('workers get the heap flags after the primary own flags', () => {
  assert.deepEqual(workerExecArgv(['--import', './dist/src/tracing/register.js']), [
    '--import',
    './dist/src/tracing/register.js',
    '--max-semi-space-size=8',
    '--heap-growing-percent=100',
  ]);
});

test('a flag the operator set, in execArgv or NODE_OPTIONS, in either spelling, is left to them', () => {
  assert.deepEqual(workerExecArgv(['--max_semi_space_size=32']), ['--max_semi_space_size=32', '--heap-growing-percent=100']);
  assert.deepEqual(workerExecArgv([], ' --heap-growing-percent=50  --max-semi-space-size 4'), []);
});
