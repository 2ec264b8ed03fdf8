/**
 * The webhooks' consumer of `task-events`: each event becomes one delivery row per enabled webhook
 * of its audience (the task's owner, and the members of its shared project) subscribed to its
 * type — nothing is sent here (a slow receiver must never hold up the topic, nor the other
 * consumers sharing it). UNIQUE (webhook_id, event_id) makes a
 * redelivered event a no-op, and an event older than a webhook is not sent to it (a consumer group
 * that starts from the topic's oldest record, or replays it, must not send history as news).
 * The dispatcher (dispatcher.ts) sends the rows.
 */
import { sql } from 'kysely';
import type { Db } from '../db/types.js';
import type { Subscription } from '../events/bus.js';
import { TOPICS, type TaskEvent } from '../events/schemas.js';
import { webhookBody } from './model.js';

/** The Dapr delivery group of this consumer: its own subscription, consumer group and route (see README). */
export const WEBHOOKS_GROUP = 'webhooks';

export function webhookFanoutProcessor(deps: { db: Db; queued: () => void }): Subscription<'task-events'> {
  const insert = async (events: TaskEvent[]) => {
    const rows = events.map((e) => ({
      event_id: e.event_id,
      // everyone who could see the task when it changed (a shared project's members)
      audience: e.audience ?? [e.user_id],
      at: e.timestamp,
      type: `task.${e.event_type}`,
      payload: webhookBody(`task.${e.event_type}`, e.timestamp, e.data),
    }));
    // one statement for the batch: the join finds the subscribed webhooks (few per user, indexed)
    const { rows: inserted } = await sql<{ id: string }>`
      INSERT INTO webhook_deliveries (webhook_id, user_id, event_id, event_type, payload)
      SELECT w.id, w.user_id, e.event_id::uuid, e.type, e.payload
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS e(event_id text, audience text[], at timestamptz, type text, payload jsonb)
      JOIN webhooks w ON w.user_id = ANY (e.audience) AND w.enabled AND e.type = ANY (w.events) AND e.at >= w.created_at
      ON CONFLICT (webhook_id, event_id) DO NOTHING
      RETURNING id`.execute(deps.db);
    if (inserted.length) deps.queued();
  };
  return {
    name: 'webhook-fanout',
    topic: TOPICS.taskEvents,
    group: WEBHOOKS_GROUP,
    handle: (event: TaskEvent) => insert([event]),
    handleMany: (events: TaskEvent[]) => insert(events),
    oneStatement: true,
  };
}
