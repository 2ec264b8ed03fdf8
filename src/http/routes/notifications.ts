/** The notification inbox: list, mark read, snooze. */
import { Type } from '@sinclair/typebox';
import { signedInRoutes, userOf } from '../auth.js';
import { UserId, UserParams } from '../params.js';
import { problems } from '../problems.js';
import { Notification, Snoozed } from '../../notifications/model.js';

const SnoozeBody = Type.Object(
  { minutes: Type.Integer({ minimum: 1, maximum: 1440, description: 'remind again this many minutes from now' }) },
  { additionalProperties: false },
);
const errors = problems(401, 403, 404, 422);

export const notificationRoutes = signedInRoutes(async (app, s) => {
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
        params: Type.Object({ user_id: UserId, id: Type.String({ format: 'uuid' }) }),
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
        params: Type.Object({ user_id: UserId, id: Type.String({ format: 'uuid' }) }),
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
});
