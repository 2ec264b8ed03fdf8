/** A notification as the API shows it: one TypeBox schema for validation, OpenAPI and the `Notification` type. */
import { Type, type Static } from '@sinclair/typebox';

export const Notification = Type.Object({
  id: Type.String(),
  type: Type.String({
    description:
      '`reminder`, `assigned` (a task was assigned to you), `shared` (a project was shared with you), or ' +
      '`webhook_disabled` (a webhook was turned off after repeated failures)',
  }),
  task_id: Type.Union([Type.Integer(), Type.Null()], { description: 'null when the notification concerns no task' }),
  title: Type.String(),
  body: Type.String(),
  due_date: Type.Union([Type.String(), Type.Null()]),
  remind_at: Type.String(),
  late: Type.Boolean(),
  created_at: Type.String(),
  read: Type.Boolean(),
  read_at: Type.Union([Type.String(), Type.Null()]),
});
export type Notification = Static<typeof Notification>;

/** A snoozed notification: when its reminder fires again. */
export const Snoozed = Type.Composite([
  Notification,
  Type.Object({ snoozed_until: Type.String({ format: 'date-time', description: 'when the reminder fires again, as a new notification' }) }),
]);
export type Snoozed = Static<typeof Snoozed>;
