import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from './group-commit.js';

/** A fake store that records each transaction; `bad` items make any transaction holding them fail. */
function store(bad: ReadonlySet<number> = new Set()) {
  const transactions: number[][] = [];
  const written: number[] = [];
  const tx = async (items: number[]) => {
    await new Promise((r) => setTimeout(r, 5));
    if (items.some((i) => bad.has(i))) throw new Error(`bad item in ${items.join(',')}`);
    transactions.push(items);
    written.push(...items);
    return items.map((i) => i * 10);
  };
  const gc = new GroupCommit<number, number>({
    writeMany: tx,
    writeOne: async (i) => (await tx([i]))[0]!,
    maxBatch: 4,
  });
  return { gc, transactions, written };
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
