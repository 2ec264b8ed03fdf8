/**
 * Every event this system sends, in one place. The payloads follow the seed
 * (`task-events`, `notifications`); extra fields are additive. Validated when written to
 * the outbox and again when a consumer receives them.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import './formats.js';
import { DateTime, Task, TASK_PLACE } from '../tasks/model.js';
import { Project } from '../projects/model.js';

/**
 * `project-events` is its own topic rather than a kind of `task-events`: every consumer of
 * task-events (next occurrence, audit, live, webhooks) reads its messages as a task's, with the
 * seed's `{task_id, data: <task>}` shape; a project message there would be a second schema each
 * of them must tell apart (and an older consumer would dead-letter it). Keyed by project id, so a
 * project's changes stay in order.
 */
export const TOPICS = { taskEvents: 'task-events', notifications: 'notifications', projectEvents: 'project-events' } as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export const TASK_EVENT_TYPES = ['created', 'updated', 'deleted', 'completed'] as const;
export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];

/**
 * The task in an event. The fields of projects and subtasks (project, parent, position, …) are optional here,
 * though always sent: events written before the upgrade may still be in the outbox or the broker,
 * and a consumer must not dead-letter them for lacking fields that did not exist yet.
 */
const TaskData = Type.Composite([Type.Omit(Task, Type.KeyOf(Type.Object(TASK_PLACE))), Type.Partial(Type.Object(TASK_PLACE))], {
  $id: 'TaskEventData',
  additionalProperties: false,
});

export const TaskEvent = Type.Object(
  {
    event_id: Type.String({ format: 'uuid' }),
    event_type: Type.Union(TASK_EVENT_TYPES.map((t) => Type.Literal(t))),
    task_id: Type.Integer(),
    user_id: Type.String({ minLength: 1 }),
    timestamp: DateTime,
    // where the task is when the event happened: who may see it follows from the project
    project_id: Type.Optional(Type.Integer()),
    parent_id: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    assignee_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    audience: Type.Optional(
      Type.Array(Type.String(), {
        description: "the user ids that could see the task when the event happened (its project's owner and members)",
      }),
    ),
    restored: Type.Optional(
      Type.Boolean({
        description: 'on a `created` event: a deleted task brought back (the same id; its history goes on)',
      }),
    ),
    data: TaskData,
  },
  { $id: 'TaskEvent', description: 'A change to one task, published on `task-events` keyed by task id' },
);
export type TaskEvent = Static<typeof TaskEvent>;

/**
 * `reminder`: a task is due; `webhook_disabled`: a webhook failed too often and was turned off (no task);
 * `assigned`: a task was assigned to the user; `shared`: a project was shared with the user (no task).
 */
export const NOTIFICATION_TYPES = ['reminder', 'webhook_disabled', 'assigned', 'shared'] as const;

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

export const PROJECT_EVENT_TYPES = ['created', 'updated', 'deleted'] as const;
export type ProjectEventType = (typeof PROJECT_EVENT_TYPES)[number];

export const ProjectEvent = Type.Object(
  {
    event_id: Type.String({ format: 'uuid' }),
    event_type: Type.Union(PROJECT_EVENT_TYPES.map((t) => Type.Literal(t))),
    project_id: Type.Integer(),
    user_id: Type.String({ minLength: 1, description: "the project's owner" }),
    timestamp: DateTime,
    audience: Type.Optional(Type.Array(Type.String(), { description: 'the user ids that could see the project when the event happened' })),
    revoked: Type.Optional(
      Type.Array(Type.String(), { description: 'members removed by this change: they can no longer see the project or its tasks' }),
    ),
    data: Project,
  },
  {
    $id: 'ProjectEvent',
    description:
      "A change to one project (as its owner sees it), published on `project-events` keyed by project id; a project's deletion also sends one `deleted` task event per task",
  },
);
export type ProjectEvent = Static<typeof ProjectEvent>;

export interface TopicPayload {
  'task-events': TaskEvent;
  notifications: NotificationEvent;
  'project-events': ProjectEvent;
}

const compiled = {
  'task-events': TypeCompiler.Compile(TaskEvent),
  notifications: TypeCompiler.Compile(NotificationEvent),
  'project-events': TypeCompiler.Compile(ProjectEvent),
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
