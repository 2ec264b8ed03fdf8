/**
 * Registration, sign-in and sessions. Users of an external identity provider are created on first
 * sight. A sign-in yields a short-lived access token and a rotating refresh token (sessions.ts);
 * attempts are throttled per client and per account (throttle.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/types.js';
import { ConflictError } from '../errors.js';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from './passwords.js';
import { assertStrongPassword } from './password-policy.js';
import { Sessions, type SessionConfig } from './sessions.js';
import { ACCOUNT_POLICY, CLIENT_POLICY, LoginThrottle } from './throttle.js';
import type { Tokens } from './tokens.js';
import { ensureInbox } from '../projects/repository.js';

export class LoginFailedError extends Error {
  override name = 'LoginFailedError';
}

/** The current password given to change it is wrong (403: the caller is authenticated, 401 would read as a dead session). */
export class WrongPasswordError extends Error {
  override name = 'WrongPasswordError';
}

export interface PublicUser {
  user_id: string;
  email: string;
  name: string | null;
}

export interface SignedIn {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  user_id: string;
  /** for the HttpOnly cookie; never in a response body */
  refresh_token: string;
}

const normalize = (email: string) => email.trim().toLowerCase();

export class AuthService {
  private readonly known = new Set<string>();
  private lastPrune = 0;
  readonly sessions: Sessions;
  readonly throttle: LoginThrottle;

  constructor(
    private readonly db: Db,
    private readonly tokens: Tokens,
    config: SessionConfig & { loginAttemptsPerMinute: number } = {
      refreshTtlSeconds: 30 * 86_400,
      ticketTtlSeconds: 30,
      loginAttemptsPerMinute: 10,
    },
    private readonly now: () => Date = () => new Date(),
  ) {
    // real time, not the injected clock: lifetimes and lockouts are about wall-clock seconds
    this.sessions = new Sessions(db, config);
    this.throttle = new LoginThrottle(db, undefined, {
      client: { ...CLIENT_POLICY, limit: config.loginAttemptsPerMinute },
      account: ACCOUNT_POLICY,
    });
  }

  async register(email: string, password: string, name?: string): Promise<PublicUser> {
    const normalized = normalize(email);
    await assertStrongPassword(password, [normalized, name]);
    const id = randomUUID();
    const password_hash = await hashPassword(password);
    // the account and its Inbox, with the Inbox's event, in one transaction
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

  /** Throws TooManyAttemptsError (before checking the password) or LoginFailedError. */
  async login(email: string, password: string, clientIp: string): Promise<SignedIn> {
    const account = normalize(email);
    await this.throttle.attempt(clientIp, account);
    const user = await this.db.selectFrom('users').select(['id', 'password_hash']).where('email', '=', account).executeTakeFirst();
    const ok = await verifyPassword(password, user?.password_hash ?? (await DUMMY_HASH_PROMISE));
    if (!user || !user.password_hash || !ok) throw new LoginFailedError('email or password is wrong');
    await this.throttle.succeeded(account);
    this.prune();
    return this.signedIn(user.id, await this.sessions.start(user.id));
  }

  /** Expired tickets and long-ended refresh tokens go, at most every 10 minutes per process. */
  private prune(): void {
    if (Date.now() - this.lastPrune < 600_000) return;
    this.lastPrune = Date.now();
    void this.sessions.prune().catch(() => undefined);
  }

  /** A new access token for a refresh token, which is spent (its successor comes along). */
  async refresh(refreshToken: string): Promise<SignedIn> {
    const { userId, refreshToken: next } = await this.sessions.rotate(refreshToken);
    return this.signedIn(userId, next);
  }

  /**
   * Checks the current password (throttled like a sign-in), stores the new one and ends every
   * session of the user; the caller gets a fresh one, so only the other devices sign in again.
   */
  async changePassword(userId: string, current: string, next: string, clientIp: string): Promise<string> {
    const user = await this.db.selectFrom('users').select(['email', 'name', 'password_hash']).where('id', '=', userId).executeTakeFirst();
    if (!user?.password_hash || !user.email) throw new ConflictError('this account signs in through an external identity provider');
    await this.throttle.attempt(clientIp, user.email);
    if (!(await verifyPassword(current, user.password_hash))) throw new WrongPasswordError('the current password is wrong');
    await this.throttle.succeeded(user.email);
    await assertStrongPassword(next, [user.email, user.name ?? undefined], 'new_password');
    await this.db
      .updateTable('users')
      .set({ password_hash: await hashPassword(next) })
      .where('id', '=', userId)
      .execute();
    await this.sessions.endAll(userId);
    return this.sessions.start(userId);
  }

  /** Verified subject of a bearer token; makes sure a user row exists (external IdP users). */
  async authenticate(token: string): Promise<string> {
    const userId = await this.tokens.verify(token);
    await this.ensureUser(userId);
    return userId;
  }

  async ensureUser(userId: string): Promise<void> {
    if (this.known.has(userId)) return;
    await this.db
      .insertInto('users')
      .values({ id: userId, email: null, name: null, password_hash: null, timezone: null })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    this.known.add(userId);
  }

  private async signedIn(userId: string, refreshToken: string): Promise<SignedIn> {
    const { token, expiresIn } = await this.tokens.issue(userId);
    return { access_token: token, token_type: 'Bearer', expires_in: expiresIn, user_id: userId, refresh_token: refreshToken };
  }
}
