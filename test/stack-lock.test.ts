/**
 * Regression: the stack's daemons (Kafka, PostgreSQL, apps, sidecars) inherited the file
 * descriptor of `flock /tmp/stack.lock …` from whoever started them, so the lock stayed held after
 * that command had ended, for as long as the stack ran: every later `flock` waited forever.
 * scripts/lib.sh now closes inherited descriptors before it execs a daemon.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

test('a daemon started by start_bg under flock does not keep the lock', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'stack-lock-'));
  const lock = path.join(dir, 'stack.lock');
  const pidfile = path.join(dir, 'daemon.pid');
  try {
    await run('flock', [lock, 'bash', '-c', `source scripts/lib.sh && start_bg daemon ${pidfile} ${dir}/daemon.log sleep 30`]);
    const pid = Number((await readFile(pidfile, 'utf8')).split(' ')[0]);
    try {
      process.kill(pid, 0); // the daemon outlived the flock'd command
      await run('flock', ['-n', lock, 'true']); // throws (exit 1) while someone holds the lock
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.ok(true);
});
