/** Pushes task changes and notifications to the user's open streams (after the inbox has stored them). */
import type { Subscription } from '../events/bus.js';
import { TOPICS, type NotificationEvent, type ProjectEvent, type TaskEvent } from '../events/schemas.js';
import type { LiveHub, LiveMessage } from './hub.js';

// to every user who could see the task or project when the event happened
const taskMessage = (e: TaskEvent): LiveMessage => ({
  kind: 'task',
  id: e.event_id,
  user_id: e.user_id,
  audience: e.audience,
  project_id: e.project_id,
  data: e,
});
const projectMessage = (e: ProjectEvent): LiveMessage => ({
  kind: 'project',
  id: e.event_id,
  user_id: e.user_id,
  audience: e.audience,
  project_id: e.project_id,
  revoked: e.revoked,
  data: e,
});
const noteMessage = (n: NotificationEvent): LiveMessage => ({ kind: 'notification', id: n.notification_id, user_id: n.user_id, data: n });

export function liveProcessors(hub: LiveHub): [Subscription<'task-events'>, Subscription<'notifications'>] {
  return [
    {
      name: 'live-tasks',
      topic: TOPICS.taskEvents,
      handle: (e: TaskEvent) => hub.publish(taskMessage(e)),
      handleMany: (es: TaskEvent[]) => hub.publishMany(es.map(taskMessage)),
      oneStatement: true,
    },
    {
      name: 'live-notifications',
      topic: TOPICS.notifications,
      handle: (n: NotificationEvent) => hub.publish(noteMessage(n)),
      handleMany: (ns: NotificationEvent[]) => hub.publishMany(ns.map(noteMessage)),
      oneStatement: true,
    },
  ];
}

/** Project changes (the sidebar of every open client of the owner). */
export function liveProjectsProcessor(hub: LiveHub): Subscription<'project-events'> {
  return {
    name: 'live-projects',
    topic: TOPICS.projectEvents,
    handle: (e: ProjectEvent) => hub.publish(projectMessage(e)),
    handleMany: (es: ProjectEvent[]) => hub.publishMany(es.map(projectMessage)),
    oneStatement: true,
  };
}
