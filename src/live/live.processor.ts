/** Pushes task changes and notifications to the user's open streams (after the inbox has stored them). */
import type { Subscription } from '../events/bus.js';
import { TOPICS, type NotificationEvent, type TaskEvent } from '../events/schemas.js';
import type { LiveHub } from './hub.js';

export function liveProcessors(hub: LiveHub): [Subscription<'task-events'>, Subscription<'notifications'>] {
  return [
    {
      name: 'live-tasks',
      topic: TOPICS.taskEvents,
      handle: (e: TaskEvent) => hub.publish({ kind: 'task', id: e.event_id, user_id: e.user_id, data: e }),
    },
    {
      name: 'live-notifications',
      topic: TOPICS.notifications,
      handle: (n: NotificationEvent) => hub.publish({ kind: 'notification', id: n.notification_id, user_id: n.user_id, data: n }),
    },
  ];
}
