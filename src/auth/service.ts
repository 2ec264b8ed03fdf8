/** Registration and login. Users of an external identity provider are created on first sight. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/types.js';
import { ConflictError } from '../errors.js';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from './passwords.js';
import type { Tokens } from './tokens.js';
import { ensureInbox } from '../projects/repository.js';

export class LoginFailedError extends Error {
  override name = 'LoginFailedError';
}

export interface PublicUser {
  user_id: string;
  email: string;
  name: string | null;
}

export class AuthService {
  private readonly known = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly tokens: Tokens,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async register(email: string, password: string, name?: string): Promise<PublicUser> {
    const normalized = email.trim().toLowerCase();
    const id = randomUUID();
    const password_hash = await hashPassword(password);
    // the account and its Inbox (DESIGN §7), with the Inbox's event, in one transaction
    const row = await this.db.transaction().execute(async (tx) => {
      const user = await tx
        .insertInto('users')
        .values({ id, email: normalized, name: name?.trim() || null, password_hash, timezone: null })
        .onConflict((oc) => oc.column('email').doNothing())
        .returning(['id', 'email', 'name'])
        .executeTakeFirst();
      if (user) await ensureInbox(tx, user.id, this.now());
      return user;
    });
    if (!row) throw new ConflictError('an account with this email already exists');
    this.known.add(id);
    return { user_id: row.id, email: normalized, name: row.name };
  }

  async login(email: string, password: string) {
    const user = await this.db
      .selectFrom('users')
      .select(['id', 'password_hash'])
      .where('email', '=', email.trim().toLowerCase())
      .executeTakeFirst();
    const ok = await verifyPassword(password, user?.password_hash ?? (await DUMMY_HASH_PROMISE));
    if (!user || !user.password_hash || !ok) throw new LoginFailedError('email or password is wrong');
    const { token, expiresIn } = await this.tokens.issue(user.id);
    return { access_token: token, token_type: 'Bearer' as const, expires_in: expiresIn, user_id: user.id };
  }

  /** Verified subject of a bearer token; makes sure a user row exists (external IdP users). */
  async authenticate(token: string): Promise<string> {
    const userId = await this.tokens.verify(token);
    if (!this.known.has(userId)) {
      await this.db
        .insertInto('users')
        .values({ id: userId, email: null, name: null, password_hash: null, timezone: null })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      this.known.add(userId);
    }
    return userId;
  }
}
