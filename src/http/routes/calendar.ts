/**
 * Calendar feeds: the user's feed and one per project they see — show, create or
 * rotate, revoke — and the public `.ics` itself.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import { TOKEN_PATTERN, type FeedInfo } from '../../calendar/service.js';
import { signedInRoutes, userOf } from '../auth.js';
import { UserId, UserParams } from '../params.js';
import { loginOnly } from '../personal-tokens.js';
import { HttpProblem, problems } from '../problems.js';

const ProjectParams = Type.Object({
  user_id: UserId,
  project_id: Type.Integer({ minimum: 1, maximum: 2147483647 }),
});
const Feed = Type.Object({
  project_id: Type.Union([Type.Integer(), Type.Null()], { description: "null: the feed of every task the user sees; else one project's" }),
  url: Type.Union([Type.String(), Type.Null()], {
    description:
      'the secret feed URL to subscribe to (anyone holding it can read the feed); null when it cannot be shown again ' +
      '(made before URLs were kept showable, or the server secret changed since): it still works, rotate it to get one',
  }),
  path: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
});

/** Where the client reached us (the subscription URL must work from the same place). */
const origin = (req: FastifyRequest) => `${req.protocol}://${req.host}`;
const present = (req: FastifyRequest, f: FeedInfo) => {
  const path = f.token === null ? null : `/ical/${f.token}.ics`;
  return { project_id: f.project_id, url: path && `${origin(req)}${path}`, path, created_at: f.created_at };
};

export const calendarRoutes = signedInRoutes(async (app, s) => {
  app.addHook('onRoute', loginOnly);
  const tags = ['calendar'];

  app.get(
    '/api/:user_id/calendar-feeds',
    {
      schema: {
        tags,
        summary: "The caller's calendar feeds: their own first, then those of projects they still see",
        params: UserParams,
        response: { 200: Type.Array(Feed), ...problems(401, 403, 422) },
      },
    },
    async (req) => (await s.calendar.list(userOf(req))).map((f) => present(req, f)),
  );

  /** GET (show), POST (create or rotate), DELETE (revoke) on the user's feed or on a project's */
  const feedRoutes = (path: string, params: typeof UserParams | typeof ProjectParams, what: string) => {
    const projectOf = (req: FastifyRequest) => (req.params as { project_id?: number }).project_id ?? null;
    const notFound = params === ProjectParams ? ' (404 too for a project the caller cannot see)' : '';
    app.get(
      path,
      {
        schema: {
          tags,
          summary: `Show ${what} (its URL, when it can be shown again)`,
          description: `404 when there is none${notFound}.`,
          params,
          response: { 200: Feed, ...problems(401, 403, 404, 422) },
        },
      },
      async (req) => present(req, await s.calendar.get(userOf(req), projectOf(req))),
    );
    app.post(
      path,
      {
        schema: {
          tags,
          summary: `Create ${what}, or rotate its URL (the previous URL stops working at once)`,
          ...(notFound ? { description: '404 for a project the caller cannot see; any member may have a feed of it.' } : {}),
          params,
          response: { 201: Feed, ...problems(401, 403, 404, 422) },
        },
      },
      async (req, reply) => reply.code(201).send(present(req, await s.calendar.rotate(userOf(req), projectOf(req)))),
    );
    app.delete(
      path,
      {
        schema: {
          tags,
          summary: `Revoke ${what} (its URL stops working)`,
          params,
          response: { 204: Type.Null(), ...problems(401, 403, 404, 422) },
        },
      },
      async (req, reply) => {
        await s.calendar.revoke(userOf(req), projectOf(req));
        return reply.code(204).send(null);
      },
    );
  };
  feedRoutes('/api/:user_id/calendar-feed', UserParams, 'the calendar feed of every task the caller sees');
  feedRoutes('/api/:user_id/projects/:project_id/calendar-feed', ProjectParams, "the caller's calendar feed of one project");
});

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
          // no length or pattern rule here: a name that is not a live feed's is 404, whatever its shape
          // (a calendar app can do nothing with a 422), and the router bounds its length (414)
          params: Type.Object({ file: Type.String({ description: '`<token>.ics`' }) }),
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
        const body = await s.calendar.body(feed, req.hostname || 'taskstream');
        return reply.type('text/calendar; charset=utf-8').send(body);
      },
    );
  };
