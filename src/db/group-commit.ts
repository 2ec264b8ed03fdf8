/**
 * Group commit: writes that arrive while a transaction is running are written together in the
 * next one. A transaction's fixed cost (BEGIN, one statement per table, COMMIT, and in PGlite
 * the per-statement protocol work in this thread) then buys many rows instead of one: 64 task
 * creates in one transaction cost ~0.2 ms each in PGlite against ~1.9 ms in one transaction
 * each (BENCHMARKS.md). Nothing waits for a batch to fill: an idle service writes a lone
 * request at once, so latency at low load is unchanged.
 *
 * A batch that certainly did not commit (writeMany threw BatchNotCommitted: a statement failed
 * before COMMIT) is written again one item at a time, so a bad item fails alone and the others
 * still commit, each exactly once. Any other failure may come from a COMMIT whose outcome is
 * unknown (the connection died): writing again could write the batch twice, so every item of it
 * gets that error, as a lone write would.
 */
import { sql } from 'kysely';
import type { Db, Tx } from './types.js';
import { activeTraceparent, bindActive, inBatchSpan, tracingOn } from '../tracing/context.js';
import { isLockConflict } from './errors.js';

export class BatchNotCommitted extends Error {
  override name = 'BatchNotCommitted';
  constructor(cause: unknown) {
    super('the batch was rolled back', { cause });
  }
}

interface Pending<I, O> {
  item: I;
  /** the submitter's trace (a batch runs in the first submitter's async context, not each one's) */
  traceparent: string | null;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions<I, O> {
  /** writes the items in one transaction; returns their results in the same order; throws BatchNotCommitted when it certainly rolled back */
  writeMany: (items: I[], traceparents: (string | null)[]) => Promise<O[]>;
  /** writes one item in its own transaction */
  writeOne: (item: I, traceparent: string | null) => Promise<O>;
  /** the most items in one transaction */
  maxBatch: number;
  /** with tracing on, the name of each batch's span (its statements get none of their own: inBatchSpan) */
  span?: string;
}

export class GroupCommit<I, O> {
  private queue: Pending<I, O>[] = [];
  private running = false;

  constructor(private readonly o: GroupCommitOptions<I, O>) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, traceparent: activeTraceparent(), resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) await this.write(this.queue.splice(0, this.o.maxBatch));
    } finally {
      this.running = false;
    }
  }

  private write(batch: Pending<I, O>[]): Promise<void> {
    if (!this.o.span || !tracingOn()) return this.writeBatch(batch);
    return inBatchSpan(
      this.o.span,
      batch.map((p) => p.traceparent),
      () => this.writeBatch(batch),
    );
  }

  private async writeBatch(batch: Pending<I, O>[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const outs = await this.o.writeMany(
          batch.map((p) => p.item),
          batch.map((p) => p.traceparent),
        );
        batch.forEach((p, i) => p.resolve(outs[i]!));
        return;
      } catch (err) {
        if (!(err instanceof BatchNotCommitted)) {
          for (const p of batch) p.reject(err);
          return;
        }
      }
    }
    for (const p of batch) await this.o.writeOne(p.item, p.traceparent).then(p.resolve, p.reject);
  }
}

/** How often a command undone for a deadlock or serialization failure is run (the first time included). */
const LOCK_CONFLICT_TRIES = 3;

/** What one command of a shared transaction came to: its result, or the error it alone threw. */
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A write command: everything it reads and writes goes through the transaction it is given. */
export type Command<T> = (tx: Tx) => Promise<T>;

/**
 * Group commit for write commands of any shape (update, complete, move, delete): commands that
 * arrive while a transaction is running run one after another in the next one, each inside a
 * SAVEPOINT, so a command that fails (404, 412, 422, a constraint) undoes only its own writes and
 * rejects alone while the others commit. The batch pays one BEGIN/COMMIT and one WAL flush
 * instead of one each; a lone command runs in its own transaction, without savepoints, as before.
 * The batch-level guarantees are GroupCommit's: retried one by one only if it certainly rolled back.
 */
export class CommandBatcher {
  private readonly queue: GroupCommit<Command<unknown>, Outcome>;

  /** `hold`: rows a batch's commands write that wait for its end, to go in one statement (the outbox's) */
  constructor(db: Db, onCommit: (tx: Tx) => void, opts: { maxBatch?: number; hold?: (tx: Tx) => HeldWrites } = {}) {
    const settle = (p: Promise<unknown>): Promise<Outcome> =>
      p.then(
        (value) => ({ ok: true, value }),
        (error: unknown) => ({ ok: false, error }),
      );
    // one command in its own transaction, run again (up to LOCK_CONFLICT_TRIES) when PostgreSQL
    // undid it for a deadlock: two batches of other processes can lock the same tasks in opposite
    // orders, and the one it picks as the victim had only to wait for the other
    const alone = async (command: Command<unknown>): Promise<Outcome> => {
      for (let attempt = 1; ; attempt++) {
        let committed: Tx | undefined;
        const outcome = await settle(
          db.transaction().execute((tx) => {
            committed = tx;
            return command(tx);
          }),
        );
        if (outcome.ok) onCommit(committed!);
        if (outcome.ok || attempt === LOCK_CONFLICT_TRIES || !isLockConflict(outcome.error)) return outcome;
      }
    };
    this.queue = new GroupCommit<Command<unknown>, Outcome>({
      writeMany: async (commands) => {
        let committed: Tx | undefined;
        const outcomes = await db.transaction().execute(async (tx) => {
          committed = tx;
          try {
            const held = opts.hold?.(tx);
            const outcomes = await inSavepoints(tx, commands, settle, held);
            await held?.flush();
            return outcomes;
          } catch (err) {
            throw new BatchNotCommitted(err);
          }
        });
        if (outcomes.some((o) => o.ok)) onCommit(committed!);
        // a deadlock victim's savepoint was rolled back: nothing of it committed, so it runs again
        for (const [i, o] of outcomes.entries()) if (!o.ok && isLockConflict(o.error)) outcomes[i] = await alone(commands[i]!);
        return outcomes;
      },
      writeOne: alone,
      maxBatch: opts.maxBatch ?? 64,
    });
  }

  async run<T>(command: Command<T>): Promise<T> {
    // run in its own request's trace context, whichever request's turn runs the batch
    const outcome = await this.queue.submit(bindActive(command) as Command<unknown>);
    if (!outcome.ok) throw outcome.error;
    return outcome.value as T;
  }
}

/**
 * Writes the commands of a batch hold back until its end, then write in one statement: what a
 * command held is dropped when it fails (with its savepoint), and the rest is written before COMMIT
 * in the order held, so the batch commits exactly what its commands wrote, in their order.
 */
export interface HeldWrites {
  /** how much is held now */
  mark(): number;
  /** drops what was held after `mark` (a failed command's) */
  dropAfter(mark: number): void;
  /** writes what is held; called once, before COMMIT */
  flush(): Promise<void>;
}

/**
 * Runs the commands of a batch one after another, each inside the savepoint `command`: a failed
 * one rolls back to it (the savepoint stays, the next command reuses it), a successful one
 * releases it and the same statement opens the next one's, and COMMIT releases the last: one
 * statement per command instead of two. A failed SAVEPOINT/RELEASE/ROLLBACK TO throws: the batch is lost.
 */
async function inSavepoints(
  tx: Tx,
  commands: Command<unknown>[],
  settle: (p: Promise<unknown>) => Promise<Outcome>,
  held: HeldWrites | undefined,
): Promise<Outcome[]> {
  const out: Outcome[] = [];
  await sql`SAVEPOINT command`.execute(tx);
  for (const [i, command] of commands.entries()) {
    const mark = held?.mark() ?? 0;
    const outcome = await settle(command(tx));
    out.push(outcome);
    const last = i === commands.length - 1;
    // parameterless, so sent as one simple query: both statements in one round trip
    if (!outcome.ok) {
      held?.dropAfter(mark);
      await sql.raw('ROLLBACK TO SAVEPOINT command').execute(tx);
    } else if (!last) await sql.raw('RELEASE SAVEPOINT command; SAVEPOINT command').execute(tx);
  }
  return out;
}
