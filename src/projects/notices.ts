/**
 * The notifications of sharing: `assigned` to a task's new assignee, `shared` to a
 * project's new member. Written to the outbox in the transaction of the change, with a fresh
 * notification id: the inbox consumer stores each id once, so a redelivered event never makes a
 * second inbox entry, and a rolled-back change never notifies.
 */
import { randomUUID } from 'node:crypto';
import type { Executor } from '../db/types.js';
import { appendManyToOutbox } from '../events/outbox.js';
import { TOPICS, type NotificationEvent } from '../events/schemas.js';
import type { Task } from '../tasks/model.js';

/** How a user is named to another: their name, else their email, else their id. */
async function displayName(db: Executor, userId: string): Promise<string> {
  const u = await db.selectFrom('users').select(['name', 'email']).where('id', '=', userId).executeTakeFirst();
  return u?.name || u?.email || userId;
}

async function projectName(db: Executor, projectId: number): Promise<string> {
  const p = await db.selectFrom('projects').select('name').where('id', '=', projectId).executeTakeFirst();
  return p?.name ?? `project ${projectId}`;
}

const quoted = (s: string) => `'${s.length > 80 ? `${s.slice(0, 79)}…` : s}'`;

/** `assigned` to each task's assignee, unless they assigned it to themselves. */
export async function noticeAssigned(tx: Executor, tasks: readonly Task[], by: string, now: Date): Promise<void> {
  const targets = tasks.filter((t) => t.assignee_id !== null && t.assignee_id !== by);
  if (!targets.length) return;
  const who = await displayName(tx, by);
  const events: { key: string; payload: NotificationEvent }[] = [];
  for (const t of targets) {
    const where = await projectName(tx, t.project_id);
    events.push({
      key: String(t.id),
      payload: {
        notification_id: randomUUID(),
        type: 'assigned',
        user_id: t.assignee_id!,
        task_id: t.id,
        title: 'Assigned to you',
        body: `${who} assigned ${quoted(t.title)} in ${quoted(where)} to you.`,
        due_date: t.due_date,
        remind_at: now.toISOString(),
        late: false,
        timestamp: now.toISOString(),
      },
    });
  }
  await appendManyToOutbox(tx, TOPICS.notifications, events);
}

/** `shared` to a project's new member. */
export async function noticeShared(tx: Executor, projectId: number, member: string, role: string, by: string, now: Date): Promise<void> {
  const [who, where] = await Promise.all([displayName(tx, by), projectName(tx, projectId)]);
  await appendManyToOutbox(tx, TOPICS.notifications, [
    {
      key: `project-${projectId}`,
      payload: {
        notification_id: randomUUID(),
        type: 'shared',
        user_id: member,
        task_id: null,
        title: 'A project was shared with you',
        body: `${who} shared ${quoted(where)} with you as ${role === 'editor' ? 'an editor' : 'a viewer'}.`,
        due_date: null,
        remind_at: now.toISOString(),
        late: false,
        timestamp: now.toISOString(),
      },
    },
  ]);
}
