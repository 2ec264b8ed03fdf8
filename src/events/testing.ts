/**
 * Fixtures of the bus and dispatch unit tests: events, and consumers that record what they saw;
 * `freshTask` also gives the API tests a new task's defaults.
 */
import { randomUUID } from 'node:crypto';
import { PoisonMessageError, TransientError, type AnySubscription } from './bus.js';
import type { NotificationEvent, TaskEvent, TaskEventType } from './schemas.js';

/**
 * A task as created with only a title, every other field its default, without the project
 * fields (project, parent, position, assignee, subtask counts) that later versions added.
 */
export function freshTask(o: { id: number; userId: string; title: string; at: string; version?: number }): TaskEvent['data'] {
  return {
    id: o.id,
    user_id: o.userId,
    title: o.title,
    description: '',
    completed: false,
    status: 'pending',
    completed_at: null,
    priority: 'none',
    tags: [],
    due_date: null,
    timezone: 'UTC',
    reminders: [],
    recurrence: null,
    recurrence_basis: 'due_date',
    series_id: null,
    created_at: o.at,
    updated_at: o.at,
    version: o.version ?? 1,
  };
}

/** A task event as the outbox writes it (a task without project fields, as events before projects had). */
export function taskEvent(
  taskId: number,
  o: { title?: string; type?: TaskEventType; userId?: string; eventId?: string; at?: string; version?: number } = {},
): TaskEvent {
  const at = o.at ?? new Date().toISOString();
  const userId = o.userId ?? 'u1';
  return {
    event_id: o.eventId ?? randomUUID(),
    event_type: o.type ?? 'updated',
    task_id: taskId,
    user_id: userId,
    timestamp: at,
    data: freshTask({ id: taskId, userId, title: o.title ?? 'a task', at, version: o.version }),
  };
}

/** The `n`-th `updated` event of task `taskId`, titled `t<n>`. */
export const event = (taskId: number, n: number): TaskEvent =>
  taskEvent(taskId, { title: `t${n}`, at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(), version: n });

/** A consumer that records what it saw and fails on the titles it is told to. */
export function recorder(name: string, opts: { retryOn?: string[]; poisonOn?: string[]; many?: boolean } = {}) {
  const seen: string[] = [];
  const batches: number[] = [];
  const check = (e: TaskEvent) => {
    if (opts.retryOn?.includes(e.data.title)) throw new TransientError(`${name} busy`);
    if (opts.poisonOn?.includes(e.data.title)) throw new PoisonMessageError(`${name} cannot`);
  };
  const sub: AnySubscription = {
    name,
    topic: 'task-events',
    async handle(e: TaskEvent) {
      check(e);
      seen.push(e.data.title);
    },
    ...(opts.many
      ? {
          async handleMany(es: TaskEvent[]) {
            es.forEach(check); // all or nothing, like one INSERT
            batches.push(es.length);
            seen.push(...es.map((e) => e.data.title));
          },
        }
      : {}),
  };
  return { sub, seen, batches };
}

/** A reminder notification titled `title`. */
export function note(title: string): NotificationEvent {
  return {
    notification_id: randomUUID(),
    type: 'reminder',
    user_id: 'u1',
    task_id: 7,
    title,
    body: 'b',
    due_date: null,
    remind_at: '2026-01-01T00:00:00Z',
    late: false,
    timestamp: '2026-01-01T00:00:00Z',
  };
}
