/**
 * Login throttling, in PostgreSQL so every cluster worker and API replica shares one
 * budget. Two keys per attempt:
 * - the client address: a fixed window (10 attempts a minute), whatever the email — rotating
 *   emails does not get around it;
 * - the account (the normalized email, known or not, so the answer reveals nothing): a few free
 *   attempts, then each further attempt waits twice as long as the one before (capped), whichever
 *   addresses the guesses come from. A successful login clears it.
 * An attempt is counted before the password is checked, under a row lock: concurrent guesses
 * cannot all slip through before the first failure is recorded. A refused attempt changes
 * nothing, so a lockout lasts exactly as long as its Retry-After says and never grows while the
 * rightful owner waits.
 */
import type { Db, Tx } from '../db/types.js';

export interface WindowPolicy {
  /** attempts admitted per window */
  limit: number;
  windowMs: number;
  /** after `limit` attempts: wait baseMs, then twice as long after each further attempt, up to maxMs */
  backoff?: { baseMs: number; maxMs: number };
}

export interface ThrottleState {
  attempts: number;
  window_start: Date;
  blocked_until: Date | null;
}

export type Decision = { admitted: true; state: ThrottleState } | { admitted: false; retryAfterMs: number };

/** The pure rule: admit this attempt or not, and the key's state after it. */
export function decide(prev: ThrottleState | undefined, policy: WindowPolicy, now: Date): Decision {
  const t = now.getTime();
  if (prev?.blocked_until && prev.blocked_until.getTime() > t) return { admitted: false, retryAfterMs: prev.blocked_until.getTime() - t };
  const fresh = !prev || t - prev.window_start.getTime() >= policy.windowMs;
  const state: ThrottleState = fresh
    ? { attempts: 1, window_start: now, blocked_until: null }
    : { attempts: prev.attempts + 1, window_start: prev.window_start, blocked_until: null };
  if (state.attempts >= policy.limit) {
    const { backoff } = policy;
    state.blocked_until = backoff
      ? new Date(t + Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(30, state.attempts - policy.limit)))
      : new Date(state.window_start.getTime() + policy.windowMs);
  }
  return { admitted: true, state };
}

export const CLIENT_POLICY: WindowPolicy = { limit: 10, windowMs: 60_000 };
export const ACCOUNT_POLICY: WindowPolicy = { limit: 5, windowMs: 24 * 3_600_000, backoff: { baseMs: 1000, maxMs: 15 * 60_000 } };

export class TooManyAttemptsError extends Error {
  override name = 'TooManyAttemptsError';
  constructor(readonly retryAfterSeconds: number) {
    super(`too many login attempts; retry in ${retryAfterSeconds} s`);
  }
}

export class LoginThrottle {
  private lastPrune = 0;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
    private readonly policies = { client: CLIENT_POLICY, account: ACCOUNT_POLICY },
  ) {}

  /** Counts one attempt for the client and the account; throws TooManyAttemptsError when either is over budget. */
  async attempt(clientIp: string, account: string): Promise<void> {
    const now = this.now();
    await this.db.transaction().execute(async (tx) => {
      // always the client first, then the account: one lock order, no deadlock between attempts
      await this.take(tx, `client:${clientIp}`, this.policies.client, now);
      await this.take(tx, `account:${account}`, this.policies.account, now);
    });
    void this.prune(now);
  }

  /** The rightful owner got in: the account's count starts over (the client's does not). */
  async succeeded(account: string): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('key', '=', `account:${account}`).execute();
  }

  private async take(tx: Tx, key: string, policy: WindowPolicy, now: Date): Promise<void> {
    await tx
      .insertInto('login_throttle')
      .values({ key, attempts: 0, window_start: new Date(0), blocked_until: null })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await tx
      .selectFrom('login_throttle')
      .select(['attempts', 'window_start', 'blocked_until'])
      .where('key', '=', key)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const d = decide(row, policy, now);
    if (!d.admitted) throw new TooManyAttemptsError(Math.max(1, Math.ceil(d.retryAfterMs / 1000)));
    await tx.updateTable('login_throttle').set(d.state).where('key', '=', key).execute();
  }

  /** Rows of quiet keys go, at most every 10 minutes per process. */
  private async prune(now: Date): Promise<void> {
    if (now.getTime() - this.lastPrune < 600_000) return;
    this.lastPrune = now.getTime();
    const quietSince = new Date(now.getTime() - 2 * ACCOUNT_POLICY.windowMs);
    await this.db
      .deleteFrom('login_throttle')
      .where('window_start', '<', quietSince)
      .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', now)]))
      .execute()
      .catch(() => undefined);
  }
}
