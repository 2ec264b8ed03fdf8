/** The calendar feed (DESIGN §9): create or rotate its secret URL, revoke it, and the public `.ics` itself. */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import { TOKEN_PATTERN } from '../../calendar/service.js';
import { requireUser, userOf } from '../auth.js';
import { UserParams } from '../params.js';
import { loginOnly } from '../personal-tokens.js';
import { HttpProblem, problems } from '../problems.js';

const Feed = Type.Object({
  url: Type.String({ description: 'the secret feed URL to subscribe to (anyone holding it can read the feed)' }),
  path: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
});

/** Where the client reached us (the subscription URL must work from the same place). */
const origin = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

export const calendarRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.addHook('onRequest', requireUser(s.auth));
    app.addHook('onRoute', loginOnly);
    const tags = ['calendar'];

    app.post(
      '/api/:user_id/calendar-feed',
      {
        schema: {
          tags,
          summary: 'Create the calendar feed URL, or rotate it (the previous URL stops working at once)',
          params: UserParams,
          response: { 201: Feed, ...problems(401, 403, 422) },
        },
      },
      async (req, reply) => {
        const { token, created_at } = await s.calendar.rotate(userOf(req));
        const path = `/ical/${token}.ics`;
        return reply.code(201).send({ url: `${origin(req)}${path}`, path, created_at });
      },
    );

    app.delete(
      '/api/:user_id/calendar-feed',
      {
        schema: {
          tags,
          summary: 'Revoke the calendar feed URL',
          params: UserParams,
          response: { 204: Type.Null(), ...problems(401, 403, 404, 422) },
        },
      },
      async (req, reply) => {
        await s.calendar.revoke(userOf(req));
        return reply.code(204).send(null);
      },
    );
  };

/** The feed itself: public (the token in the path is the credential), cheap to poll (ETag / If-None-Match → 304). */
export const icalRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const notFound = () => new HttpProblem(404, 'not-found', 'Not found', 'no such calendar feed (it may have been rotated)');
    app.get(
      '/ical/:file',
      {
        schema: {
          tags: ['calendar'],
          summary: 'The calendar feed (RFC 5545: VEVENT per open task with a due date, RRULE, VALARM, VTIMEZONE)',
          security: [],
          params: Type.Object({ file: Type.String({ maxLength: 60, description: '`<token>.ics`' }) }),
          produces: ['text/calendar'],
          response: {
            200: { description: 'text/calendar', content: { 'text/calendar': { schema: { type: 'string' } } } },
            304: { description: 'not modified since the ETag sent in If-None-Match' },
            ...problems(404),
          },
        },
      },
      async (req, reply) => {
        const token = req.params.file.endsWith('.ics') ? req.params.file.slice(0, -4) : '';
        if (!new RegExp(TOKEN_PATTERN).test(token)) throw notFound();
        const feed = await s.calendar.lookup(token);
        if (!feed) throw notFound();
        reply.header('etag', feed.etag).header('cache-control', 'private, no-cache').header('referrer-policy', 'no-referrer');
        const match = req.headers['if-none-match'];
        if (match && match.split(',').some((t) => t.trim().replace(/^W\//, '') === feed.etag)) return reply.code(304).send();
        const body = await s.calendar.body(feed.userId, feed.etag, req.hostname || 'taskstream');
        return reply.type('text/calendar; charset=utf-8').send(body);
      },
    );
  };
