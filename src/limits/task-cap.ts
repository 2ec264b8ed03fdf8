/**
 * Tasks per user. A create past the cap is refused with 422 (waiting does not help,
 * deleting does; 429 would tell the client to retry).
 *
 * Counting a user's tasks on every create would cost an index range scan per create (tens of ms at
 * 100k), so each process remembers the count it last read and adds the creates it made since;
 * it reads again after REFRESH_MS, and at most every RECHECK_MS once the user is at the cap (tasks
 * deleted meanwhile — possibly through another process — are seen then). The cap is therefore
 * soft by the creates in flight in other processes, which the write rate bounds.
 */
import { sql } from 'kysely';
import type { Db } from '../db/types.js';
import { ValidationError } from '../errors.js';

const REFRESH_MS = 60_000;
const RECHECK_MS = 2_000;

interface Known {
  count: number;
  at: number;
}

/** Whose tasks are capped: a user's (`user_id`), or a project's (`project_id`). */
export type CapScope = 'user_id' | 'project_id';

export class TaskCap {
  private readonly known = new Map<string | number, Known>();

  constructor(
    private readonly db: Db,
    readonly max: number,
    private readonly now: () => number = Date.now,
    private readonly scope: CapScope = 'user_id',
  ) {}

  /** Throws a 422 ValidationError when `userId` (or the project) already has `max` tasks. */
  async check(userId: string | number): Promise<void> {
    let k = this.known.get(userId);
    const age = k ? this.now() - k.at : Infinity;
    if (!k || age > REFRESH_MS || (k.count >= this.max && age > RECHECK_MS)) k = await this.read(userId);
    if (k.count >= this.max) {
      throw new ValidationError([
        this.scope === 'user_id'
          ? { field: '(body)', message: `a user may have at most ${this.max} tasks; delete some (completed ones?) before creating more` }
          : { field: 'project_id', message: `a project may have at most ${this.max} tasks; delete some or use another project` },
      ]);
    }
    k.count += 1; // this create, if it commits; a failed one only makes the next read come sooner
  }

  private async read(userId: string | number): Promise<Known> {
    // stops counting at the cap: a user far below it costs a short index scan, one at it `max` entries
    const { rows } = await sql<{ n: string | number }>`
      SELECT count(*) AS n FROM (SELECT 1 FROM tasks WHERE ${sql.ref(this.scope)} = ${userId} LIMIT ${this.max}) t`.execute(this.db);
    const k = { count: Number(rows[0]?.n ?? 0), at: this.now() };
    this.known.set(userId, k);
    if (this.known.size > 100_000) this.known.clear(); // a cache, not a registry
    return k;
  }
}
