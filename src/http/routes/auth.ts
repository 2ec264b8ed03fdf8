import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../app.js';
import { problems } from '../problems.js';
import { TEXT, TEXT_RULES } from '../../tasks/model.js';

const Credentials = {
  email: Type.String({ format: 'email', maxLength: 254, pattern: TEXT }), // the email format admits no surrogate
  password: Type.String({ minLength: 8, maxLength: 256, ...TEXT_RULES }),
};
/** public routes: no bearer token (the document's default security does not apply) */
const open: Record<string, string[]>[] = [];

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
        // brute-force guard: per client address
        config: limit(10),
        schema: {
          tags: ['auth'],
          summary: 'Exchange email and password for an access token',
          security: open,
          body: Type.Object(
            { email: Type.String({ maxLength: 254, ...TEXT_RULES }), password: Type.String({ maxLength: 256, ...TEXT_RULES }) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              access_token: Type.String(),
              token_type: Type.Literal('Bearer'),
              expires_in: Type.Integer(),
              user_id: Type.String(),
            }),
            ...problems(400, 401, 413, 415, 422, 429),
          },
        },
      },
      async (req) => s.auth.login(req.body.email, req.body.password),
    );
  };
