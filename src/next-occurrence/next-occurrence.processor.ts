/**
 * RecurringTaskConsumer: when a recurring task is completed, create its next occurrence.
 * Exactly one effect per completion: the event id is recorded in `consumed_events` in the same
 * transaction as the new occurrence (so a redelivery finds it even after the user deleted that
 * occurrence), the completed row is locked while we decide, and `tasks.spawned_from` is UNIQUE
 * (so un-completing and completing again does not spawn a second one). Nothing spawns if the
 * task was deleted or un-completed meanwhile.
 *
 * Subtasks: the next occurrence goes right after the completed one in its list and
 * brings a reopened copy of its subtasks (all levels, their dates shifted like the parent's), in
 * the same transaction, so a redelivery finds the whole effect or none of it. The copies do not
 * recur on their own; a recurring subtask under a recurring ancestor does not spawn either (its
 * ancestor's next occurrence brings its copy).
 */
import type { Db, TaskRow, Tx } from '../db/types.js';
import type { Subscription } from '../events/bus.js';
import { firstConsumption } from '../events/consumed.js';
import { recordTaskEvent } from '../events/outbox.js';
import { TOPICS, type TaskEvent } from '../events/schemas.js';
import { nextOccurrence } from '../recurrence/index.js';
import { insertReminders, pendingReminders } from '../reminders/schedule.js';
import { inDateRange } from '../tasks/date-range.js';
import { toTask } from '../tasks/mapper.js';
import type { Reminder } from '../tasks/model.js';
import { insertTask, insertTasks, setPositions, spawnOf, tasksById } from '../tasks/repository.js';
import { isUniqueViolation } from '../db/errors.js';
import { keyAfter } from '../tasks/position.js';
import { placement, recursFrom, subtree } from '../tasks/tree.js';
import { trace } from '../tracing/context.js';

const CONSUMER = 'recurring-task';

/** Only the completion of a recurring task can spawn one. */
const spawns = (event: TaskEvent): boolean => event.event_type === 'completed' && !!event.data.recurrence;

export function nextOccurrenceProcessor(deps: { db: Db; now: () => Date; changed: () => void }): Subscription<'task-events'> {
  return {
    name: CONSUMER,
    topic: TOPICS.taskEvents,
    accepts: spawns,
    async handle(event: TaskEvent) {
      if (!spawns(event)) return;
      try {
        const created = await deps.db
          .transaction()
          .execute(async (tx) => (await firstConsumption(tx, CONSUMER, event.event_id)) && spawnNext(tx, event.task_id, deps.now()));
        if (created) deps.changed();
      } catch (err) {
        if (isUniqueViolation(err)) return; // a concurrent delivery created it first
        throw err;
      }
    },
  };
}

async function spawnNext(tx: Tx, taskId: number, now: Date): Promise<boolean> {
  const [done] = await tasksById(tx, [taskId], { lock: true });
  if (!done || !done.completed || !done.recurrence || !done.completed_at) return false;
  if ((await spawnOf(tx, taskId)) !== undefined) return false;
  // under a recurring ancestor: that task's next occurrence brings a copy of this one
  if (done.parent_id !== null && (await recursFrom(tx, done.parent_id))) return false;
  const next = nextOccurrence({
    rule: done.recurrence,
    basis: done.recurrence_basis === 'completion' ? 'completion' : 'due_date',
    timezone: done.timezone,
    seriesStart: done.series_start,
    index: done.series_index,
    previousDue: done.due_date,
    completedAt: done.completed_at,
    now,
  });
  // COUNT/UNTIL ended the series, or it left the years the API accepts
  if (!next || !inDateRange(next.due)) return false;
  const spot = await placement(tx, { projectId: done.project_id, parentId: done.parent_id }, -1, { afterId: done.id });
  const row = await insertTask(tx, {
    project_id: done.project_id,
    parent_id: done.parent_id,
    position: spot?.key ?? keyAfter(null),
    user_id: done.user_id,
    assignee_id: done.assignee_id, // the next one is theirs too
    title: done.title,
    description: done.description,
    completed: false,
    completed_at: null,
    priority: done.priority,
    tags: done.tags,
    due_date: next.due,
    timezone: done.timezone,
    reminders: JSON.stringify(reanchor(done, shiftOf(done, next.due))),
    recurrence: done.recurrence,
    recurrence_basis: done.recurrence_basis,
    series_id: done.series_id,
    series_start: done.series_start ?? next.due,
    series_index: next.index,
    spawned_from: done.id,
    created_at: now, // millisecond precision, like the list cursor (see TaskService.create)
    updated_at: now,
  });
  await setPositions(tx, spot?.rekeyed ?? []); // a tie after `done`: ordered by key again
  const copies = await copySubtasks(tx, done, row.id, shiftOf(done, next.due), now);
  const task = toTask(row, { subtask_count: copies.filter((c) => c.parent_id === row.id).length, completed_subtask_count: 0 });
  // its events continue the completion's trace (this delivery's span); say which task it came from
  trace.getActiveSpan()?.setAttributes({ 'taskstream.task.id': task.id, 'taskstream.task.spawned_from': done.id });
  // new rows: nothing to replace, only their reminders to add
  await insertReminders(tx, pendingReminders({ ...row, reminders: task.reminders }, now));
  await recordTaskEvent(tx, 'created', task, now);
  for (const copy of copies) {
    const t = toTask(copy, { subtask_count: copies.filter((c) => c.parent_id === copy.id).length, completed_subtask_count: 0 });
    await insertReminders(tx, pendingReminders({ ...copy, reminders: t.reminders }, now));
    await recordTaskEvent(tx, 'created', t, now);
  }
  return true;
}

/** How far the occurrence moved (null: the completed one had no due date). */
const shiftOf = (done: TaskRow, nextDue: Date): number | null => (done.due_date ? nextDue.getTime() - done.due_date.getTime() : null);

/**
 * Reopened copies of `done`'s subtasks under `newRootId`, level by level (a copy's parent is the
 * copy of its parent), in their order; due dates and absolute reminders shift by `shift` (no shift
 * known: the copy has no due date). `spawned_from` names each original.
 */
async function copySubtasks(tx: Tx, done: TaskRow, newRootId: number, shift: number | null, now: Date): Promise<TaskRow[]> {
  const tree = (await subtree(tx, done.id)).filter((t) => t.level > 1);
  if (!tree.length) return [];
  const originals = await tasksById(
    tx,
    tree.map((t) => t.id),
  );
  const byId = new Map(originals.map((o) => [o.id, o]));
  const copyOf = new Map<number, number>([[done.id, newRootId]]);
  const copies: TaskRow[] = [];
  for (let level = 2; ; level++) {
    const rows = tree.filter((t) => t.level === level).flatMap((t) => byId.get(t.id) ?? []);
    if (!rows.length) break;
    const inserted = await insertTasks(
      tx,
      rows.map((o) => {
        const due = o.due_date && shift !== null ? new Date(o.due_date.getTime() + shift) : null;
        return {
          user_id: o.user_id,
          assignee_id: o.assignee_id,
          title: o.title,
          description: o.description,
          completed: false,
          completed_at: null,
          priority: o.priority,
          tags: o.tags,
          due_date: due && inDateRange(due) ? due : null,
          timezone: o.timezone,
          reminders: JSON.stringify(due && inDateRange(due) ? reanchor(o, shift) : []),
          recurrence: null,
          recurrence_basis: o.recurrence_basis,
          series_id: null,
          series_start: null,
          series_index: 0,
          spawned_from: o.id,
          project_id: done.project_id,
          parent_id: copyOf.get(o.parent_id!)!,
          position: o.position,
          created_at: now,
          updated_at: now,
        };
      }),
    );
    inserted.forEach((c, i) => copyOf.set(rows[i]!.id, c.id));
    copies.push(...inserted);
  }
  return copies;
}

/** Relative reminders move with the due date by definition; absolute ones shift by the same distance. */
function reanchor(done: TaskRow, shift: number | null): Reminder[] {
  return (done.reminders as Reminder[]).flatMap((r): Reminder[] => {
    if ('before_minutes' in r) return [r];
    return shift === null ? [] : [{ at: new Date(new Date(r.at).getTime() + shift).toISOString() }];
  });
}
