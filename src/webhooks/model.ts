/** Webhook resources as the API shows them (TypeBox: validation and OpenAPI from one place). */
import { Type, type Static } from '@sinclair/typebox';
import { TASK_EVENT_TYPES } from '../events/schemas.js';
import type { WebhookDeliveryRow, WebhookRow } from '../db/types.js';
import { RULE_MESSAGES } from '../tasks/model.js';
import { MAX_URL_LENGTH } from './targets.js';

/** `task.created`, … : the task-events types a webhook may subscribe to */
export const WEBHOOK_EVENTS = TASK_EVENT_TYPES.map((t) => `task.${t}` as const);
/** the type of a test delivery (POST …/webhooks/{id}/test) */
export const PING_EVENT = 'webhook.test';

/**
 * The part of targets.ts's rules a schema can state: http(s), a host, no user name or password.
 * That the host resolves, and only to public addresses, only DNS can tell (422 naming `url`).
 */
const TARGET_URL = '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@\\s]+([/?#]\\S*)?$';
RULE_MESSAGES[TARGET_URL] = 'must be an http:// or https:// URL without a user name or password';

export const WebhookCreate = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: MAX_URL_LENGTH,
      pattern: TARGET_URL,
      description: 'http(s) URL of a host that resolves to public addresses only',
    }),
    events: Type.Array(Type.Union(WEBHOOK_EVENTS.map((e) => Type.Literal(e))), {
      minItems: 1,
      maxItems: WEBHOOK_EVENTS.length,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false },
);
export type WebhookCreate = Static<typeof WebhookCreate>;

export const Webhook = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean({ description: 'false once disabled after repeated failures' }),
  consecutive_failures: Type.Integer({ description: 'failed attempts in a row (reset by a success)' }),
  disabled_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type Webhook = Static<typeof Webhook>;

export const WebhookWithSecret = Type.Composite([
  Webhook,
  Type.Object({ secret: Type.String({ description: 'Standard Webhooks signing secret (`whsec_…`): shown only in this response' }) }),
]);

export const Delivery = Type.Object({
  id: Type.Integer(),
  webhook_id: Type.Integer(),
  message_id: Type.String({ description: 'the `webhook-id` header: the same on every attempt of this delivery' }),
  event_type: Type.String(),
  status: Type.Union(
    ['pending', 'sending', 'succeeded', 'failed'].map((s) => Type.Literal(s)),
    {
      description: 'pending: waiting for its (next) attempt; failed: given up after the last attempt',
    },
  ),
  attempts: Type.Integer(),
  response_status: Type.Union([Type.Integer(), Type.Null()]),
  duration_ms: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  next_attempt_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_attempt_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
});
export type Delivery = Static<typeof Delivery>;

export const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id,
  url: r.url,
  events: r.events,
  enabled: r.enabled,
  consecutive_failures: r.consecutive_failures,
  disabled_at: r.disabled_at?.toISOString() ?? null,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});

export const messageId = (eventId: string) => `msg_${eventId}`;

export const toDelivery = (r: Omit<WebhookDeliveryRow, 'payload' | 'user_id'>): Delivery => ({
  id: Number(r.id),
  webhook_id: r.webhook_id,
  message_id: messageId(r.event_id),
  event_type: r.event_type,
  status: r.status as Delivery['status'],
  attempts: r.attempts,
  response_status: r.response_status,
  duration_ms: r.duration_ms,
  error: r.error,
  next_attempt_at: r.status === 'pending' || r.status === 'sending' ? r.next_attempt_at.toISOString() : null,
  last_attempt_at: r.last_attempt_at?.toISOString() ?? null,
  created_at: r.created_at.toISOString(),
});

/** The body of a delivery (Standard Webhooks' recommended `{type, timestamp, data}`). */
export const webhookBody = (type: string, timestamp: string, data: unknown) => ({ type, timestamp, data });
