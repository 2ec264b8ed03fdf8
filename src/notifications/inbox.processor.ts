/** NotificationConsumer: a reminder becomes one inbox entry, keyed by notification id (duplicates are no-ops). */
import type { Db } from '../db/types.js';
import type { Subscription } from '../events/bus.js';
import { TOPICS, type NotificationEvent } from '../events/schemas.js';

export function inboxProcessor(deps: { db: Db }): Subscription<'notifications'> {
  return {
    name: 'notification-inbox',
    topic: TOPICS.notifications,
    async handle(n: NotificationEvent) {
      await deps.db
        .insertInto('notifications')
        .values({
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
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },
  };
}
