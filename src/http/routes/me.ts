/** Per-user resources besides tasks: preferences, the notification inbox and the live stream. */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../app.js';
import { ValidationError } from '../../errors.js';
import { isValidTimeZone } from '../../recurrence/index.js';
import { metrics } from '../../metrics.js';
import type { LiveMessage } from '../../live/hub.js';
import { boundedWriter, StreamGate } from '../../live/stream-limits.js';
import { AccessFilter } from '../../live/access-filter.js';
import { requireStreamUser, requireUser, userOf } from '../auth.js';
import { problems } from '../problems.js';
import { TEXT_RULES } from '../../tasks/model.js';
import { readName, writeName } from '../../preferences/store.js';

const UserParams = Type.Object({ user_id: Type.String({ minLength: 1, maxLength: 128 }) });
const PrefFields = {
  timezone: Type.String({
    minLength: 1,
    maxLength: 64,
    ...TEXT_RULES,
    description: 'IANA zone: the default of new tasks and the zone of view=today|upcoming',
  }),
  week_start: Type.Union([Type.Literal('monday'), Type.Literal('sunday')], { description: 'first day of the week (default monday)' }),
};
const Name = Type.String({ minLength: 1, maxLength: 100, ...TEXT_RULES, description: 'display name (of the account)' });
const Prefs = Type.Object({ ...PrefFields, name: Type.Union([Name, Type.Null()]) }, { additionalProperties: false });
/** PUT: absent fields unchanged */
const PrefsUpdate = Type.Object(
  {
    timezone: Type.Optional(PrefFields.timezone),
    week_start: Type.Optional(PrefFields.week_start),
    name: Type.Optional(Name),
  },
  { additionalProperties: false, minProperties: 1 },
);
const Notification = Type.Object({
  id: Type.String(),
  type: Type.String({ description: '`reminder`, or `webhook_disabled` (a webhook was turned off after repeated failures)' }),
  task_id: Type.Union([Type.Integer(), Type.Null()], { description: 'null when the notification concerns no task' }),
  title: Type.String(),
  body: Type.String(),
  due_date: Type.Union([Type.String(), Type.Null()]),
  remind_at: Type.String(),
  late: Type.Boolean(),
  created_at: Type.String(),
  read: Type.Boolean(),
  read_at: Type.Union([Type.String(), Type.Null()]),
});
const Snoozed = Type.Composite([
  Notification,
  Type.Object({ snoozed_until: Type.String({ format: 'date-time', description: 'when the reminder fires again, as a new notification' }) }),
]);
const SnoozeBody = Type.Object(
  { minutes: Type.Integer({ minimum: 1, maximum: 1440, description: 'remind again this many minutes from now' }) },
  { additionalProperties: false },
);
const errors = problems(401, 403, 404, 422);
const bodyErrors = problems(400, 401, 403, 404, 413, 415, 422);
const HEARTBEAT_MS = 15_000;

export const meRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.addHook('onRequest', requireUser(s.auth));

    app.get(
      '/api/:user_id/preferences',
      { schema: { tags: ['preferences'], summary: 'Get preferences', params: UserParams, response: { 200: Prefs, ...errors } } },
      async (req) => {
        const [prefs, name] = await Promise.all([s.preferences.get(userOf(req)), readName(s.db, userOf(req))]);
        return { ...prefs, name };
      },
    );

    app.put(
      '/api/:user_id/preferences',
      {
        config: { tokenScope: 'none' }, // account settings take a login, not a personal access token
        schema: {
          tags: ['preferences'],
          summary: 'Set preferences (absent fields unchanged): time zone, week start, display name',
          params: UserParams,
          body: PrefsUpdate,
          response: { 200: Prefs, ...bodyErrors },
        },
      },
      async (req) => {
        const userId = userOf(req);
        const { timezone, week_start, name } = req.body;
        if (timezone !== undefined && !isValidTimeZone(timezone))
          throw new ValidationError([{ field: 'timezone', message: `unknown time zone "${timezone}"` }]);
        const trimmed = name?.trim();
        if (trimmed === '') throw new ValidationError([{ field: 'name', message: 'must not be blank' }]);
        const current = await s.preferences.get(userId);
        const prefs =
          timezone !== undefined || week_start !== undefined
            ? await s.preferences.set(userId, { timezone: timezone ?? current.timezone, week_start: week_start ?? current.week_start })
            : current;
        if (trimmed !== undefined) await writeName(s.db, userId, trimmed);
        return { ...prefs, name: trimmed ?? (await readName(s.db, userId)) };
      },
    );

    app.get(
      '/api/:user_id/notifications',
      {
        schema: {
          tags: ['notifications'],
          summary: 'The notification inbox, newest first (X-Unread-Count header)',
          params: UserParams,
          querystring: Type.Object(
            { unread: Type.Optional(Type.Boolean()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Array(Notification), ...errors },
        },
      },
      async (req, reply) => {
        const { items, unread } = await s.notifications.list(userOf(req), {
          unreadOnly: req.query.unread ?? false,
          limit: req.query.limit ?? 50,
        });
        reply.header('x-unread-count', String(unread));
        return items;
      },
    );

    app.post(
      '/api/:user_id/notifications/:id/read',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Mark one notification read',
          params: Type.Object({ user_id: Type.String(), id: Type.String({ format: 'uuid' }) }),
          response: { 200: Notification, ...errors },
        },
      },
      async (req) => s.notifications.markRead(userOf(req), req.params.id),
    );

    app.post(
      '/api/:user_id/notifications/:id/snooze',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Remind again later',
          description:
            'The reminder fires again after `minutes` as a NEW notification (new id, same task), unless the task is ' +
            'completed or deleted meanwhile. One pending re-fire per notification: snoozing again replaces it. ' +
            'Marks this notification read. 409 when the task was deleted or is completed.',
          params: Type.Object({ user_id: Type.String(), id: Type.String({ format: 'uuid' }) }),
          body: SnoozeBody,
          response: { 200: Snoozed, ...problems(400, 401, 403, 404, 409, 413, 415, 422) },
        },
      },
      async (req) => s.notifications.snooze(userOf(req), req.params.id, req.body.minutes),
    );

    app.post(
      '/api/:user_id/notifications/read-all',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Mark every notification read',
          params: UserParams,
          response: { 200: Type.Object({ updated: Type.Integer() }), ...errors },
        },
      },
      async (req) => ({ updated: await s.notifications.markAllRead(userOf(req)) }),
    );
  };

/** SSE: its own plugin because a browser's EventSource authenticates with a ticket (?ticket=), not a header. */
export const streamRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.addHook('onRequest', requireStreamUser(s.auth));
    const gate = new StreamGate(s.config.limits.sseStreamsPerUser);
    app.get(
      '/api/:user_id/stream',
      {
        schema: {
          tags: ['live'],
          summary: 'Server-Sent Events: `task` (a task-events message) and `notification` events for this user',
          params: UserParams,
          description:
            'Authenticate with `Authorization: Bearer …`, or — from a browser’s EventSource — with a single-use `ticket` ' +
            'from POST /api/{user_id}/stream-ticket. 429 when the user already holds LIMIT_SSE_STREAMS streams. ' +
            'The server ends a stream after LIMIT_SSE_SECONDS (15 min): reconnect with a new ticket.',
          querystring: Type.Object({ ticket: Type.Optional(Type.String({ maxLength: 100 })) }),
          produces: ['text/event-stream'],
          response: {
            200: { description: 'An endless event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            ...problems(401, 403, 422, 429),
          },
        },
      },
      async (req, reply) => {
        const userId = userOf(req);
        const release = gate.enter(userId); // 429 when the user holds too many
        reply.hijack();
        const res = reply.raw;
        const write = boundedWriter(res, s.config.limits.sseBufferBytes);
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        write(`retry: 2000\n: connected\n\n`);
        const access = new AccessFilter(userId);
        const send = (m: LiveMessage) => {
          if (access.pass(m)) write(`id: ${m.id}\nevent: ${m.kind}\ndata: ${JSON.stringify(m.data)}\n\n`);
        };
        const unsubscribe = s.hub.subscribe(userId, send);
        const heartbeat = setInterval(() => write(': ping\n\n'), HEARTBEAT_MS);
        // authenticated once, at its start: it lasts no longer than an access token, so a revoked session stops listening
        const lifetime = setTimeout(() => res.end(), s.config.limits.sseSeconds * 1000);
        metrics.sseClients.inc();
        const cleanup = () => {
          release();
          clearInterval(heartbeat);
          clearTimeout(lifetime);
          unsubscribe();
          metrics.sseClients.dec();
        };
        s.streams.add(res);
        res.on('close', () => {
          s.streams.delete(res);
          cleanup();
        });
      },
    );
  };
