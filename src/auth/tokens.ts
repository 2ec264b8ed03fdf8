/**
 * Access tokens: HS256 JWTs signed with AUTH_SECRET (jose), `iss` and `aud` both "taskstream".
 * Verification also accepts tokens of an external identity provider that shares the secret, or
 * that publishes a JWKS (AUTH_JWKS_URL): those must carry its AUTH_ISSUER (and AUTH_AUDIENCE
 * when set). An HS256 token of any other issuer or audience is refused, whoever signed it.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';

export interface TokenConfig {
  secret: string;
  ttlSeconds: number;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
}

export const TOKEN_ISSUER = 'taskstream';
export const TOKEN_AUDIENCE = 'taskstream';

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** Verified tokens remembered (the oldest go first); a list request spent ~6% of its CPU verifying the same token again. */
const VERIFIED_MAX = 10_000;

export class Tokens {
  /** token → its subject and expiry (ms), for tokens this process has verified */
  private readonly verified = new Map<string, { sub: string; expMs: number }>();
  /** a KeyObject made once: from raw bytes, jose imports the key again on every verify (~5% of a create's CPU) */
  private readonly key: KeyObject;
  private readonly jwks: JWTVerifyGetKey | undefined;

  constructor(private readonly config: TokenConfig) {
    this.key = createSecretKey(Buffer.from(config.secret, 'utf8'));
    this.jwks = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl)) : undefined;
  }

  async issue(userId: string): Promise<{ token: string; expiresIn: number }> {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.config.ttlSeconds}s`)
      .sign(this.key);
    return { token, expiresIn: this.config.ttlSeconds };
  }

  /**
   * The verified subject (user id). Throws InvalidTokenError for anything else, including alg
   * "none". A token verified before is taken from memory until its expiry: the signature and
   * claims of the same string cannot have changed.
   */
  async verify(token: string): Promise<string> {
    const hit = this.verified.get(token);
    if (hit && hit.expMs > Date.now()) return hit.sub;
    if (hit) this.verified.delete(token);
    const { sub, exp } = await this.verifyAnew(token);
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { sub, expMs: exp * 1000 });
    return sub;
  }

  private async verifyAnew(token: string): Promise<{ sub: string; exp: number }> {
    try {
      const { alg } = decodeProtectedHeader(token);
      const external = {
        ...(this.config.issuer ? { issuer: this.config.issuer } : {}),
        ...(this.config.audience ? { audience: this.config.audience } : {}),
      };
      const { payload } =
        alg === 'HS256'
          ? await jwtVerify(token, this.key, { algorithms: ['HS256'] })
          : this.jwks
            ? await jwtVerify(token, this.jwks, { algorithms: ['RS256', 'ES256', 'EdDSA', 'PS256'], ...external })
            : failUnsupported(alg);
      if (alg === 'HS256' && !this.ours(payload) && !this.theirs(payload))
        throw new InvalidTokenError('token issuer or audience is not accepted here');
      if (!payload.sub) throw new InvalidTokenError('token has no subject');
      if (payload.exp === undefined) throw new InvalidTokenError('token has no expiry');
      return { sub: payload.sub, exp: payload.exp };
    } catch (err) {
      if (err instanceof InvalidTokenError) throw err;
      throw new InvalidTokenError(err instanceof Error ? err.message : 'invalid token');
    }
  }

  private ours(p: JWTPayload): boolean {
    return p.iss === TOKEN_ISSUER && audiences(p).includes(TOKEN_AUDIENCE);
  }

  /** a shared-secret provider's token: only when AUTH_ISSUER names it (and AUTH_AUDIENCE, when set, matches) */
  private theirs(p: JWTPayload): boolean {
    const { issuer, audience } = this.config;
    return issuer !== undefined && p.iss === issuer && (audience === undefined || audiences(p).includes(audience));
  }
}

const audiences = (p: JWTPayload): string[] => (p.aud === undefined ? [] : [p.aud].flat());

function failUnsupported(alg: string | undefined): never {
  throw new InvalidTokenError(`unsupported token algorithm ${alg ?? 'none'}`);
}
