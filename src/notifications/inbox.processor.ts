/** NotificationConsumer: a reminder becomes one inbox entry, keyed by notification id (duplicates are no-ops). */
import type { Db } from '../db/types.js';
import { batchConsumer, type Subscription } from '../events/bus.js';
import { TOPICS, type NotificationEvent } from '../events/schemas.js';
import { pruneInbox } from './prune.js';

const row = (n: NotificationEvent) => ({
  id: n.notification_id,
  user_id: n.user_id,
  task_id: n.task_id,
  type: n.type,
  title: n.title,
  body: n.body,
  due_date: n.due_date,
  remind_at: n.remind_at,
  late: n.late,
  read_at: null,
});

/**
 * One multi-row INSERT for a batch of reminders fired together; `keep`: notifications kept per
 * user, the oldest read ones pruned first (see pruneInbox).
 */
export function inboxProcessor(deps: { db: Db; keep?: number }): Subscription<'notifications'> {
  return batchConsumer('notification-inbox', TOPICS.notifications, async (events: NotificationEvent[]) => {
    await deps.db
      .insertInto('notifications')
      .values(events.map(row))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    if (deps.keep !== undefined) await pruneInbox(deps.db, [...new Set(events.map((e) => e.user_id))], deps.keep);
  });
}
