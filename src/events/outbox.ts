/**
 * The transactional outbox: an event is a row written in the same transaction as the change it
 * describes, so a committed change always has its event and a rolled-back one never does.
 */
import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Database, Executor, Tx } from '../db/types.js';
import type { HeldWrites } from '../db/group-commit.js';
import type { Task } from '../tasks/model.js';
import type { Project } from '../projects/model.js';
import { audiencesOf } from '../projects/access.js';
import { parseEvent, TOPICS, type ProjectEventType, type TaskEventType, type TopicName, type TopicPayload } from './schemas.js';
import { activeTraceparent } from '../tracing/context.js';

/**
 * Several events of one topic in one statement; their outbox order (seq) is the order given.
 * Each keeps the trace it was written in: its own `traceparent` (a create batched with others'
 * requests), else the active span's.
 */
export async function appendManyToOutbox<T extends TopicName>(
  tx: Executor,
  topic: T,
  events: readonly { key: string; payload: TopicPayload[T]; traceparent?: string | null }[],
): Promise<void> {
  if (!events.length) return;
  await withAudience(tx, topic, events);
  for (const e of events) parseEvent(topic, e.payload); // validated on the way out: a bad event fails the whole command
  const active = activeTraceparent();
  const rows = events.map((e) => ({
    topic,
    key: e.key,
    payload: JSON.stringify(e.payload),
    published_at: null,
    traceparent: e.traceparent ?? active,
  }));
  const held = heldRows.get(tx);
  if (held) held.push(...rows);
  else await tx.insertInto('outbox').values(rows).execute();
}

type OutboxRow = Insertable<Database['outbox']>;

/** Transactions whose outbox rows wait for the end of their group-commit batch (holdOutbox). */
const heldRows = new WeakMap<Executor, OutboxRow[]>();

/**
 * The outbox rows of a group-commit batch's commands (src/db/group-commit.ts), held back and
 * written in one statement before its COMMIT instead of one statement per command. Still in the
 * transaction of the change, in the order appended; a failed command's rows are dropped with it.
 */
export function holdOutbox(tx: Tx): HeldWrites {
  const rows: OutboxRow[] = [];
  heldRows.set(tx, rows);
  return {
    mark: () => rows.length,
    dropAfter: (mark) => void rows.splice(mark),
    async flush() {
      heldRows.delete(tx);
      if (rows.length) await tx.insertInto('outbox').values(rows).execute();
    },
  };
}

/** A task's event as the outbox stores it, keyed by task id (one partition keeps a task's events in order). */
export function taskEvent(eventType: TaskEventType, task: Task, at: Date): { key: string; payload: TopicPayload['task-events'] } {
  return {
    key: String(task.id),
    payload: {
      event_id: randomUUID(),
      event_type: eventType,
      task_id: task.id,
      user_id: task.user_id,
      timestamp: at.toISOString(),
      project_id: task.project_id,
      parent_id: task.parent_id,
      assignee_id: task.assignee_id,
      data: task,
    },
  };
}

/** `audience`: who sees the task's project, when the caller read it already (else read here). */
export async function recordTaskEvent(tx: Executor, eventType: TaskEventType, task: Task, at: Date, audience?: string[]): Promise<void> {
  const event = taskEvent(eventType, task, at);
  if (audience) event.payload.audience = audience;
  await appendManyToOutbox(tx, TOPICS.taskEvents, [event]);
}

/** A project's event, keyed by project id. */
export function projectEvent(
  eventType: ProjectEventType,
  project: Project,
  at: Date,
  share: { audience?: string[]; revoked?: string[] } = {},
): { key: string; payload: TopicPayload['project-events'] } {
  return {
    key: String(project.id),
    payload: {
      event_id: randomUUID(),
      event_type: eventType,
      project_id: project.id,
      user_id: project.owner_id,
      timestamp: at.toISOString(),
      ...share,
      data: project,
    },
  };
}

export async function recordProjectEvent(
  tx: Executor,
  eventType: ProjectEventType,
  project: Project,
  at: Date,
  share: { audience?: string[]; revoked?: string[] } = {},
): Promise<void> {
  await appendManyToOutbox(tx, TOPICS.projectEvents, [projectEvent(eventType, project, at, share)]);
}

/**
 * Every task and project event says who could see it when it happened, so live
 * updates reach every member. Filled here, in the writing transaction, for events that do not
 * carry one already (a project's `deleted` event computes it before the members are gone).
 */
async function withAudience(tx: Executor, topic: TopicName, events: readonly { payload: TopicPayload[TopicName] }[]): Promise<void> {
  if (topic !== TOPICS.taskEvents && topic !== TOPICS.projectEvents) return;
  const missing = events.map((e) => e.payload as { project_id?: number; audience?: string[] }).filter((p) => !p.audience);
  if (!missing.length) return;
  const audiences = await audiencesOf(
    tx,
    missing.flatMap((p) => (p.project_id === undefined ? [] : [p.project_id])),
  );
  for (const p of missing) p.audience = (p.project_id !== undefined && audiences.get(p.project_id)) || [(p as { user_id: string }).user_id];
}
