/** The signed-in user's account: password change, sign out everywhere, SSE tickets. */
import { Type } from '@sinclair/typebox';
import { signedInRoutes, userOf } from '../auth.js';
import { UserParams } from '../params.js';
import { problems } from '../problems.js';
import { TEXT_RULES } from '../../tasks/model.js';
import { NewPassword, setRefreshCookie } from './auth.js';

export const accountRoutes = signedInRoutes(async (app, s) => {
  app.post(
    '/api/:user_id/password',
    {
      // a leaked personal access token must not take over the account
      config: { tokenScope: 'none' },
      schema: {
        tags: ['account'],
        summary: 'Change the password; every other session ends',
        description:
          '204, with a fresh refresh-token cookie for this client: every other session (refresh token) of the ' +
          'user is revoked. 403 (not 401: the caller is signed in) when `current_password` is wrong, throttled like ' +
          'a sign-in (429). 422 names `new_password` when it is too weak. 409 for an account of an external identity provider.',
        params: UserParams,
        body: Type.Object(
          { current_password: Type.String({ maxLength: 256, ...TEXT_RULES }), new_password: NewPassword },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...problems(400, 401, 403, 409, 413, 415, 422, 429) },
      },
    },
    async (req, reply) => {
      const userId = userOf(req);
      const refresh = await s.auth.changePassword(userId, req.body.current_password, req.body.new_password, req.ip);
      setRefreshCookie(s, req, reply, refresh);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/:user_id/sessions',
    {
      config: { tokenScope: 'none' },
      schema: {
        tags: ['account'],
        summary: 'Sign out everywhere: every refresh token of the user is revoked',
        description: 'Access tokens already issued expire on their own (≤ ACCESS_TOKEN_TTL, 15 min at most).',
        params: UserParams,
        response: { 204: Type.Null(), ...problems(401, 403) },
      },
    },
    async (req, reply) => {
      await s.auth.sessions.endAll(userOf(req));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/:user_id/stream-ticket',
    {
      // a ticket opens the stream, which reads tasks
      config: { tokenScope: 'tasks:read' },
      schema: {
        tags: ['live'],
        summary: 'A single-use ticket for GET /api/{user_id}/stream?ticket=… (EventSource cannot send a header)',
        description: 'Valid for 30 seconds and one stream; stored hashed in the database, so any worker or replica accepts it.',
        params: UserParams,
        response: { 201: Type.Object({ ticket: Type.String(), expires_in: Type.Integer() }), ...problems(401, 403) },
      },
    },
    async (req, reply) => {
      const { ticket, expiresIn } = await s.auth.sessions.ticket(userOf(req));
      return reply.code(201).header('cache-control', 'no-store').send({ ticket, expires_in: expiresIn });
    },
  );
});
