/**
 * Every event this system sends, in one place. The payloads follow the seed
 * (`task-events`, `notifications`); extra fields are additive. Validated when written to
 * the outbox and again when a consumer receives them.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import './formats.js';
import { DateTime, Task } from '../tasks/model.js';

export const TOPICS = { taskEvents: 'task-events', notifications: 'notifications' } as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export const TASK_EVENT_TYPES = ['created', 'updated', 'deleted', 'completed'] as const;
export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];

export const TaskEvent = Type.Object(
  {
    event_id: Type.String({ format: 'uuid' }),
    event_type: Type.Union(TASK_EVENT_TYPES.map((t) => Type.Literal(t))),
    task_id: Type.Integer(),
    user_id: Type.String({ minLength: 1 }),
    timestamp: DateTime,
    data: Task,
  },
  { $id: 'TaskEvent', description: 'A change to one task, published on `task-events` keyed by task id' },
);
export type TaskEvent = Static<typeof TaskEvent>;

/** `reminder`: a task is due; `webhook_disabled`: a webhook failed too often and was turned off (no task). */
export const NOTIFICATION_TYPES = ['reminder', 'webhook_disabled'] as const;

export const NotificationEvent = Type.Object(
  {
    notification_id: Type.String({ format: 'uuid' }),
    type: Type.Union(NOTIFICATION_TYPES.map((t) => Type.Literal(t))),
    user_id: Type.String({ minLength: 1 }),
    task_id: Type.Union([Type.Integer(), Type.Null()], { description: 'null when the notification concerns no task' }),
    title: Type.String(),
    body: Type.String(),
    due_date: Type.Union([DateTime, Type.Null()]),
    remind_at: DateTime,
    late: Type.Boolean({ description: 'true when fired after its time (service was down)' }),
    timestamp: DateTime,
  },
  { $id: 'NotificationEvent', description: 'A reminder to deliver, published on `notifications` keyed by task id' },
);
export type NotificationEvent = Static<typeof NotificationEvent>;

export interface TopicPayload {
  'task-events': TaskEvent;
  notifications: NotificationEvent;
}

export const TOPIC_SCHEMAS: Record<TopicName, TSchema> = {
  'task-events': TaskEvent,
  notifications: NotificationEvent,
};

const compiled = {
  'task-events': TypeCompiler.Compile(TaskEvent, [Task]),
  notifications: TypeCompiler.Compile(NotificationEvent),
};

export class EventSchemaError extends Error {
  override name = 'EventSchemaError';
}

/** Throws EventSchemaError naming the first offending path; returns the value typed. */
export function parseEvent<T extends TopicName>(topic: T, value: unknown): TopicPayload[T] {
  const checker = compiled[topic];
  if (!checker) throw new EventSchemaError(`unknown topic ${String(topic)}`);
  if (checker.Check(value)) return value as TopicPayload[T];
  const first = checker.Errors(value).First();
  throw new EventSchemaError(`invalid ${topic} event at ${first?.path || '/'}: ${first?.message ?? 'schema mismatch'}`);
}
