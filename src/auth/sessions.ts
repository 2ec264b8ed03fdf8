/**
 * Refresh tokens and SSE tickets, both random secrets held by the client and stored
 * only as SHA-256 hashes in PostgreSQL (shared by every worker and replica).
 *
 * Refresh tokens rotate: each one is used once, for an access token and its successor in the same
 * family. Presenting a used one again means two parties hold the family's tokens (a stolen copy):
 * the whole family is revoked, so the thief's and the victim's next refresh both fail and the
 * user signs in again. A revoked or expired token is refused the same way.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db/types.js';
import './tables.js';

const hash = (secret: string) => createHash('sha256').update(secret).digest();
const secret = () => randomBytes(32).toString('base64url');

export class InvalidRefreshError extends Error {
  override name = 'InvalidRefreshError';
}

export interface SessionConfig {
  refreshTtlSeconds: number;
  ticketTtlSeconds: number;
}

export class Sessions {
  constructor(
    private readonly db: Db,
    private readonly config: SessionConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A new family (a sign-in); returns the refresh token. */
  async start(userId: string): Promise<string> {
    return this.issue(userId, randomUUID());
  }

  /**
   * The user of a valid refresh token and its successor; the token itself is spent. Reuse of a
   * spent token revokes its family. Throws InvalidRefreshError otherwise.
   */
  async rotate(token: string): Promise<{ userId: string; refreshToken: string }> {
    const now = this.now();
    const outcome = await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('refresh_tokens')
        .select(['family_id', 'user_id', 'expires_at', 'used_at', 'revoked_at'])
        .where('token_hash', '=', hash(token))
        .forUpdate()
        .executeTakeFirst();
      if (!row || row.revoked_at || row.expires_at <= now) return { ok: false as const, reason: 'the session ended; sign in again' };
      if (row.used_at) {
        await tx
          .updateTable('refresh_tokens')
          .set({ revoked_at: now })
          .where('family_id', '=', row.family_id)
          .where('revoked_at', 'is', null)
          .execute();
        return { ok: false as const, reason: 'this refresh token was already used; the session is revoked' };
      }
      await tx.updateTable('refresh_tokens').set({ used_at: now }).where('token_hash', '=', hash(token)).execute();
      return { ok: true as const, userId: row.user_id, familyId: row.family_id };
    });
    if (!outcome.ok) throw new InvalidRefreshError(outcome.reason);
    return { userId: outcome.userId, refreshToken: await this.issue(outcome.userId, outcome.familyId) };
  }

  /** Sign out: the family of this token ends (whatever its state). */
  async end(token: string): Promise<void> {
    const row = await this.db.selectFrom('refresh_tokens').select('family_id').where('token_hash', '=', hash(token)).executeTakeFirst();
    if (!row) return;
    await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: this.now() })
      .where('family_id', '=', row.family_id)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Sign out everywhere (and on a password change): every family of the user ends. */
  async endAll(userId: string): Promise<number> {
    const r = await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: this.now() })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** A single-use ticket for opening the user's SSE stream (EventSource cannot send a header). */
  async ticket(userId: string): Promise<{ ticket: string; expiresIn: number }> {
    const ticket = secret();
    const expires_at = new Date(this.now().getTime() + this.config.ticketTtlSeconds * 1000);
    await this.db
      .insertInto('stream_tickets')
      .values({ ticket_hash: hash(ticket), user_id: userId, expires_at })
      .execute();
    return { ticket, expiresIn: this.config.ticketTtlSeconds };
  }

  /** The ticket's user, once: the row is deleted by the same statement that reads it. */
  async redeem(ticket: string): Promise<string | undefined> {
    const now = this.now();
    const row = await this.db
      .deleteFrom('stream_tickets')
      .where('ticket_hash', '=', hash(ticket))
      .returning(['user_id', 'expires_at'])
      .executeTakeFirst();
    return row && row.expires_at > now ? row.user_id : undefined;
  }

  /** Expired and ended rows go (a day after their end, so reuse is still recognised meanwhile). */
  async prune(): Promise<void> {
    const now = this.now();
    const dayAgo = new Date(now.getTime() - 86_400_000);
    await this.db.deleteFrom('stream_tickets').where('expires_at', '<', now).execute();
    await this.db
      .deleteFrom('refresh_tokens')
      .where((eb) => eb.or([eb('expires_at', '<', dayAgo), eb('revoked_at', '<', dayAgo)]))
      .execute();
  }

  private async issue(userId: string, familyId: string): Promise<string> {
    const token = secret();
    const expires_at = new Date(this.now().getTime() + this.config.refreshTtlSeconds * 1000);
    await this.db
      .insertInto('refresh_tokens')
      .values({ token_hash: hash(token), family_id: familyId, user_id: userId, expires_at })
      .execute();
    return token;
  }
}
