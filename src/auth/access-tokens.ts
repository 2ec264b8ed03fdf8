/**
 * Personal access tokens: `tsk_` + 256 random bits, shown once, stored as SHA-256.
 * A token acts for its user within its scopes; it is checked against the database on every
 * request (one lookup by the unique hash index), so a deleted (revoked) or expired token is
 * refused on its very next call, by whichever process or worker serves it.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db/types.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { InvalidTokenError } from './tokens.js';
import { SCOPES, type AccessToken, type Scope } from './access-token-model.js';

export const TOKEN_PREFIX = 'tsk_';

export interface TokenPrincipal {
  userId: string;
  tokenId: string;
  scopes: readonly Scope[];
}

/** `last_used_at` is written at most this often per token: a write per request would cost more than the lookup. */
const TOUCH_EVERY_MS = 60_000;
const SECRET_SHAPE = /^tsk_[A-Za-z0-9_-]{43}$/;

export const isPersonalToken = (token: string): boolean => token.startsWith(TOKEN_PREFIX);
const digest = (secret: string): Buffer => createHash('sha256').update(secret).digest();

export class AccessTokens {
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly maxPerUser: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(
    userId: string,
    input: { name: string; scopes: Scope[]; expires_at?: string | null },
  ): Promise<AccessToken & { token: string }> {
    const scopes = SCOPES.filter((s) => input.scopes.includes(s));
    const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
    if (expiresAt && expiresAt.getTime() <= this.now().getTime())
      throw new ValidationError([{ field: 'expires_at', message: 'the expiry must be in the future' }]);
    const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.db.transaction().execute(async (tx) => {
      // counted under a lock on the user's row, so two concurrent creates cannot both pass the limit
      await tx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().executeTakeFirst();
      const { n } = await tx
        .selectFrom('access_tokens')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow();
      if (Number(n) >= this.maxPerUser)
        throw new ValidationError([
          { field: '(body)', message: `a user may have at most ${this.maxPerUser} access tokens; revoke one before creating another` },
        ]);
      return tx
        .insertInto('access_tokens')
        .values({
          id: randomUUID(),
          user_id: userId,
          name: input.name.trim(),
          token_hash: digest(secret),
          hint: secret.slice(-4),
          scopes,
          expires_at: expiresAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
    return { ...toPublic(row), token: secret };
  }

  async list(userId: string): Promise<AccessToken[]> {
    const rows = await this.db.selectFrom('access_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
    return rows.map(toPublic);
  }

  /** Revokes at once: the row goes, and every later lookup of the secret finds nothing. */
  async revoke(userId: string, id: string): Promise<void> {
    const res = await this.db.deleteFrom('access_tokens').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    if (res.numDeletedRows === 0n) throw new NotFoundError(`access token ${id} not found`);
    this.touched.delete(id);
  }

  /** The token's user and scopes; InvalidTokenError (→ 401) when unknown, revoked or expired. */
  async authenticate(secret: string): Promise<TokenPrincipal> {
    if (!SECRET_SHAPE.test(secret)) throw new InvalidTokenError('malformed access token');
    const row = await this.db
      .selectFrom('access_tokens')
      .select(['id', 'user_id', 'scopes', 'expires_at'])
      .where('token_hash', '=', digest(secret))
      .executeTakeFirst();
    if (!row) throw new InvalidTokenError('unknown or revoked access token');
    const now = this.now();
    if (row.expires_at && row.expires_at.getTime() <= now.getTime()) throw new InvalidTokenError('access token expired');
    this.touch(row.id, now);
    return {
      userId: row.user_id,
      tokenId: row.id,
      scopes: row.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
    };
  }

  private touch(id: string, now: Date): void {
    const last = this.touched.get(id) ?? 0;
    if (now.getTime() - last < TOUCH_EVERY_MS) return;
    this.touched.set(id, now.getTime());
    if (this.touched.size > 10_000) this.touched.delete(this.touched.keys().next().value!);
    // best effort, off the request's path: a lost update only makes last_used_at a minute older
    void this.db
      .updateTable('access_tokens')
      .set({ last_used_at: now })
      .where('id', '=', id)
      .execute()
      .catch(() => undefined);
  }
}

function toPublic(row: {
  id: string;
  name: string;
  scopes: string[];
  hint: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}): AccessToken {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes as Scope[],
    hint: row.hint,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at?.toISOString() ?? null,
    last_used_at: row.last_used_at?.toISOString() ?? null,
  };
}
