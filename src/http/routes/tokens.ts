/**
 * Personal access tokens: `GET|POST /api/{user_id}/tokens`, `DELETE …/tokens/{id}`.
 * Only a login may manage them (`tokenScope: 'none'`): a token that could list or mint tokens
 * would let a leak outlive its revocation.
 */
import { Type } from '@sinclair/typebox';
import { SCOPES } from '../../auth/access-token-model.js';
import { ValidationError, type FieldError } from '../../errors.js';
import { checkedDate } from '../../tasks/date-range.js';
import { DateTime, TEXT_RULES } from '../../tasks/model.js';
import { signedInRoutes, userOf } from '../auth.js';
import { UserId, UserParams } from '../params.js';
import { problems } from '../problems.js';

const TokenParams = Type.Object({ user_id: UserId, token_id: Type.String({ format: 'uuid' }) });
const ScopeName = Type.Union(SCOPES.map((s) => Type.Literal(s)));

const TokenCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, ...TEXT_RULES, description: 'what the token is for, e.g. "Claude Desktop"' }),
    scopes: Type.Array(ScopeName, { minItems: 1, maxItems: SCOPES.length, uniqueItems: true }),
    expires_at: Type.Optional(Type.Union([DateTime, Type.Null()], { description: 'none: the token lasts until revoked' })),
  },
  { additionalProperties: false },
);
const AccessToken = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  scopes: Type.Array(ScopeName),
  hint: Type.String({ description: "the secret's last 4 characters" }),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'to the minute' }),
});
const CreatedToken = Type.Composite([
  AccessToken,
  Type.Object({ token: Type.String({ description: 'the secret (`tsk_…`): shown this once, stored only as a hash' }) }),
]);

const errors = problems(401, 403, 404);
const bodyErrors = problems(400, 401, 403, 404, 413, 415, 422);

export const tokenRoutes = signedInRoutes({ tags: ['tokens'] }, async (app, s) => {
  const config = { tokenScope: 'none' as const };

  app.get(
    '/api/:user_id/tokens',
    {
      config,
      schema: {
        summary: 'List personal access tokens (never their secrets)',
        params: UserParams,
        response: { 200: Type.Array(AccessToken), ...errors },
      },
    },
    async (req) => s.accessTokens.list(userOf(req)),
  );

  app.post(
    '/api/:user_id/tokens',
    {
      config,
      schema: {
        summary: 'Create a personal access token; the secret is in this response only',
        params: UserParams,
        body: TokenCreate,
        response: { 201: CreatedToken, ...bodyErrors },
      },
    },
    async (req, reply) => {
      const fieldErrors: FieldError[] = [];
      if (req.body.expires_at) checkedDate('expires_at', req.body.expires_at, fieldErrors);
      if (fieldErrors.length) throw new ValidationError(fieldErrors);
      const token = await s.accessTokens.create(userOf(req), req.body);
      return reply.code(201).header('cache-control', 'no-store').send(token);
    },
  );

  app.delete(
    '/api/:user_id/tokens/:token_id',
    {
      config,
      schema: {
        summary: 'Revoke a personal access token (at once)',
        params: TokenParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await s.accessTokens.revoke(userOf(req), req.params.token_id);
      return reply.code(204).send(null);
    },
  );
});
