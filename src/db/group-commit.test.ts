import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchNotCommitted, GroupCommit } from './group-commit.js';

/**
 * A fake store that records each transaction. `bad` items make a transaction holding them fail
 * before its commit; a `lostCommit` item makes its batch fail at the commit, outcome unknown.
 */
function store(bad: ReadonlySet<number> = new Set(), lostCommit?: number) {
  const transactions: number[][] = [];
  const written: number[] = [];
  let singles = 0;
  const tx = async (items: number[], batch: boolean) => {
    await new Promise((r) => setTimeout(r, 5));
    if (items.some((i) => bad.has(i))) {
      const err = new Error(`bad item in ${items.join(',')}`);
      throw batch ? new BatchNotCommitted(err) : err;
    }
    transactions.push(items);
    written.push(...items);
    if (lostCommit !== undefined && items.includes(lostCommit)) throw new Error('connection lost during COMMIT');
    return items.map((i) => i * 10);
  };
  const gc = new GroupCommit<number, number>({
    writeMany: (items) => tx(items, true),
    writeOne: async (i) => {
      singles++;
      return (await tx([i], false))[0]!;
    },
    maxBatch: 4,
  });
  return { gc, transactions, written, singles: () => singles };
}

test('a lone item is written at once, on its own', async () => {
  const s = store();
  assert.equal(await s.gc.submit(7), 70);
  assert.deepEqual(s.transactions, [[7]]);
});

test('items that arrive during a transaction share the next one, in order, up to maxBatch', async () => {
  const s = store();
  const outs = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((i) => s.gc.submit(i)));
  assert.deepEqual(outs, [10, 20, 30, 40, 50, 60, 70]);
  // the first submit starts a transaction alone; the six that queued behind it go 4 + 2
  assert.deepEqual(s.transactions, [[1], [2, 3, 4, 5], [6, 7]]);
});

test('a failing batch is retried one by one: the bad item fails alone, the others are written once', async () => {
  const s = store(new Set([3]));
  const results = await Promise.allSettled([1, 2, 3, 4].map((i) => s.gc.submit(i)));
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
  );
  assert.match(String((results[2] as PromiseRejectedResult).reason), /bad item in 3$/);
  assert.deepEqual(
    [...s.written].sort((a, b) => a - b),
    [1, 2, 4],
  );
});

test('after a failure the queue keeps draining', async () => {
  const s = store(new Set([1]));
  await assert.rejects(s.gc.submit(1));
  assert.equal(await s.gc.submit(2), 20);
});

test('a batch whose commit outcome is unknown is not written again: every item gets the error', async () => {
  const s = store(new Set(), 3);
  await s.gc.submit(0); // the first write goes alone; the next four queue behind it and share one
  const results = await Promise.allSettled([1, 2, 3, 4].map((i) => s.gc.submit(i)));
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected', 'rejected', 'rejected'],
  );
  assert.match(String((results[0] as PromiseRejectedResult).reason), /during COMMIT/);
  // written once (the commit may have happened), never retried one by one
  assert.deepEqual(s.written, [0, 1, 2, 3, 4]);
  assert.equal(s.singles(), 1);
});
