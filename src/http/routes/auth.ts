import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import type { SignedIn } from '../../auth/service.js';
import { InvalidRefreshError } from '../../auth/sessions.js';
import { MIN_PASSWORD_LENGTH } from '../../auth/password-policy.js';
import { problems } from '../problems.js';
import { TEXT, TEXT_RULES } from '../../tasks/model.js';

const PASSWORD_RULES =
  `At least ${MIN_PASSWORD_LENGTH} characters, not only whitespace, and not easy to guess (zxcvbn-ts score ≥ 3: ` +
  'no common password, name or word, keyboard walk or repetition; the email and name count as known words).';
export const NewPassword = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: 256, description: PASSWORD_RULES, ...TEXT_RULES });
const Credentials = {
  email: Type.String({ format: 'email', maxLength: 254, pattern: TEXT }), // the email format admits no surrogate
  password: NewPassword,
};
/** public routes: no bearer token (the document's default security does not apply) */
const open: Record<string, string[]>[] = [];

/** The refresh token's cookie: HttpOnly (no script reads it), SameSite=Strict, sent only to /api/auth/*. */
export const REFRESH_COOKIE = 'taskstream_refresh';
const COOKIE_PATH = '/api/auth';

const AccessToken = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'seconds; refresh before then with POST /api/auth/refresh' }),
  user_id: Type.String(),
});

export function setRefreshCookie(s: Services, req: FastifyRequest, reply: FastifyReply, token: string): void {
  reply.setCookie(REFRESH_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    // Secure whenever the client reached us over https (behind a proxy: X-Forwarded-Proto, with TRUST_PROXY)
    secure: req.protocol === 'https',
    path: COOKIE_PATH,
    maxAge: s.config.refreshTokenTtlSeconds,
  });
}

export function clearRefreshCookie(reply: FastifyReply): void {
  reply.clearCookie(REFRESH_COOKIE, { path: COOKIE_PATH, httpOnly: true, sameSite: 'strict' });
}

/** The access token for the body; the refresh token goes into the cookie only. */
export function answerSignedIn(s: Services, req: FastifyRequest, reply: FastifyReply, signed: SignedIn) {
  const { refresh_token, ...body } = signed;
  setRefreshCookie(s, req, reply, refresh_token);
  reply.header('cache-control', 'no-store');
  return body;
}

export const authRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const limit = (max: number) => ({ rateLimit: { max, timeWindow: '1 minute' } });

    app.post(
      '/api/auth/register',
      {
        config: limit(20),
        schema: {
          tags: ['auth'],
          summary: 'Create an account',
          security: open,
          body: Type.Object(
            { ...Credentials, name: Type.Optional(Type.String({ maxLength: 100, ...TEXT_RULES })) },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({ user_id: Type.String(), email: Type.String(), name: Type.Union([Type.String(), Type.Null()]) }),
            ...problems(400, 409, 413, 415, 422, 429),
          },
        },
      },
      async (req, reply) => reply.code(201).send(await s.auth.register(req.body.email, req.body.password, req.body.name)),
    );

    app.post(
      '/api/auth/login',
      {
        schema: {
          tags: ['auth'],
          summary: 'Exchange email and password for an access token (and a refresh-token cookie)',
          description:
            'Answers a short-lived access token and sets the refresh token as an HttpOnly, SameSite=Strict cookie ' +
            `(\`${REFRESH_COOKIE}\`, path ${COOKIE_PATH}; Secure over https). Throttled in the shared database: ` +
            '10 attempts a minute per client address, and per account 5 attempts, then each further one waits twice ' +
            'as long as the one before (1 s … 15 min) whatever its address; 429 with Retry-After, even for the right password.',
          security: open,
          body: Type.Object(
            { email: Type.String({ maxLength: 254, ...TEXT_RULES }), password: Type.String({ maxLength: 256, ...TEXT_RULES }) },
            { additionalProperties: false },
          ),
          response: { 200: AccessToken, ...problems(400, 401, 413, 415, 422, 429) },
        },
      },
      async (req, reply) => answerSignedIn(s, req, reply, await s.auth.login(req.body.email, req.body.password, req.ip)),
    );

    app.post(
      '/api/auth/refresh',
      {
        schema: {
          tags: ['auth'],
          summary: 'A new access token for the refresh-token cookie (which rotates)',
          description:
            'The cookie is spent and replaced. Presenting a spent refresh token again revokes its whole session ' +
            '(reuse detection): 401, and every holder signs in again.',
          security: open,
          response: { 200: AccessToken, ...problems(401) },
        },
      },
      async (req, reply) => {
        const token = req.cookies[REFRESH_COOKIE];
        try {
          if (!token) throw new InvalidRefreshError('no refresh-token cookie; sign in');
          return answerSignedIn(s, req, reply, await s.auth.refresh(token));
        } catch (err) {
          if (err instanceof InvalidRefreshError) clearRefreshCookie(reply);
          throw err;
        }
      },
    );

    app.post(
      '/api/auth/logout',
      {
        schema: {
          tags: ['auth'],
          summary: 'Sign out: the refresh-token cookie’s session ends',
          description: 'Always 204; the cookie is cleared. Access tokens already issued expire on their own (≤ ACCESS_TOKEN_TTL).',
          security: open,
          response: { 204: Type.Null() },
        },
      },
      async (req, reply) => {
        const token = req.cookies[REFRESH_COOKIE];
        if (token) await s.auth.sessions.end(token);
        clearRefreshCookie(reply);
        return reply.code(204).send(null);
      },
    );
  };
