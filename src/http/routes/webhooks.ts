/** Webhooks: endpoints, their delivery log, a test ping, re-enabling one disabled after failures. */
import { Type } from '@sinclair/typebox';
import { Delivery, Webhook, WebhookCreate, WebhookWithSecret } from '../../webhooks/model.js';
import { signedInRoutes, userOf } from '../auth.js';
import { UserId, UserParams } from '../params.js';
import { loginOnly } from '../personal-tokens.js';
import { problems } from '../problems.js';

const HookParams = Type.Object({
  user_id: UserId,
  id: Type.Integer({ minimum: 1, maximum: 2147483647 }),
});
const errors = problems(401, 403, 404, 422);

export const webhookRoutes = signedInRoutes(async (app, s) => {
  app.addHook('onRoute', loginOnly);
  const tags = ['webhooks'];

  app.get(
    '/api/:user_id/webhooks',
    { schema: { tags, summary: "The caller's webhooks", params: UserParams, response: { 200: Type.Array(Webhook), ...errors } } },
    async (req) => s.webhooks.list(userOf(req)),
  );

  app.post(
    '/api/:user_id/webhooks',
    {
      schema: {
        tags,
        summary: 'Create a webhook; the response carries its signing secret, shown only once',
        description:
          'Deliveries are POSTed as `{type, timestamp, data}` and signed per the Standard Webhooks spec ' +
          '(`webhook-id`, `webhook-timestamp`, `webhook-signature`). Only http(s) URLs of public hosts (422 otherwise).',
        params: UserParams,
        body: WebhookCreate,
        response: { 201: WebhookWithSecret, ...problems(400, 401, 403, 413, 415, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await s.webhooks.create(userOf(req), req.body)),
  );

  app.get(
    '/api/:user_id/webhooks/:id',
    { schema: { tags, summary: 'One webhook', params: HookParams, response: { 200: Webhook, ...errors } } },
    async (req) => s.webhooks.get(userOf(req), req.params.id),
  );

  app.delete(
    '/api/:user_id/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Delete a webhook (its pending deliveries are dropped)',
        params: HookParams,
        response: { 204: Type.Null({ description: 'deleted' }), ...errors },
      },
    },
    async (req, reply) => {
      await s.webhooks.delete(userOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/:user_id/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'The delivery log, newest first',
        params: HookParams,
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
            before: Type.Optional(Type.Integer({ minimum: 1, description: 'the last id of the previous page' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(Delivery), ...errors },
      },
    },
    async (req) => s.webhooks.deliveries(userOf(req), req.params.id, { limit: req.query.limit ?? 50, before: req.query.before }),
  );

  app.post(
    '/api/:user_id/webhooks/:id/test',
    {
      schema: {
        tags,
        summary: 'Queue a `webhook.test` delivery (a ping); watch its outcome in the delivery log',
        params: HookParams,
        response: { 202: Delivery, ...problems(401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => reply.code(202).send(await s.webhooks.ping(userOf(req), req.params.id)),
  );

  app.post(
    '/api/:user_id/webhooks/:id/enable',
    {
      schema: {
        tags,
        summary: 'Re-enable a webhook disabled after repeated failures',
        description:
          'Its failure count starts again at 0, and deliveries still pending from before it was disabled are sent at once ' +
          '(events while it was disabled were not recorded for it). 422 when its URL no longer passes the target checks. ' +
          'An enabled webhook is returned unchanged.',
        params: HookParams,
        response: { 200: Webhook, ...errors },
      },
    },
    async (req) => s.webhooks.enable(userOf(req), req.params.id),
  );
});
