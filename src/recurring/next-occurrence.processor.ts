/**
 * RecurringTaskConsumer: when a recurring task is completed, create its next occurrence.
 * Exactly one effect per completion: the event id is recorded in `consumed_events` in the same
 * transaction as the new occurrence (so a redelivery finds it even after the user deleted that
 * occurrence), the completed row is locked while we decide, and `tasks.spawned_from` is UNIQUE
 * (so un-completing and completing again does not spawn a second one). Nothing spawns if the
 * task was deleted or un-completed meanwhile.
 */
import type { Db, TaskRow, Tx } from '../db/types.js';
import type { Subscription } from '../events/bus.js';
import { recordTaskEvent } from '../events/outbox.js';
import { TOPICS, type TaskEvent } from '../events/schemas.js';
import { nextOccurrence } from '../recurrence/index.js';
import { insertReminders, pendingReminders } from '../reminders/schedule.js';
import { inDateRange } from '../tasks/date-range.js';
import { toTask } from '../tasks/mapper.js';
import type { Reminder } from '../tasks/model.js';
import { insertTask } from '../tasks/repository.js';
import { isUniqueViolation } from '../db/errors.js';

const CONSUMER = 'recurring-task';

export function nextOccurrenceProcessor(deps: { db: Db; now: () => Date; changed: () => void }): Subscription<'task-events'> {
  return {
    name: CONSUMER,
    topic: TOPICS.taskEvents,
    async handle(event: TaskEvent) {
      if (event.event_type !== 'completed' || !event.data.recurrence) return;
      try {
        const created = await deps.db.transaction().execute(async (tx) => {
          const first = await tx
            .insertInto('consumed_events')
            .values({ consumer: CONSUMER, event_id: event.event_id })
            .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
            .returning('event_id')
            .executeTakeFirst();
          return first ? spawnNext(tx, event.task_id, deps.now()) : false;
        });
        if (created) deps.changed();
      } catch (err) {
        if (isUniqueViolation(err)) return; // a concurrent delivery created it first
        throw err;
      }
    },
  };
}

async function spawnNext(tx: Tx, taskId: number, now: Date): Promise<boolean> {
  const done = await tx.selectFrom('tasks').selectAll().where('id', '=', taskId).forUpdate().executeTakeFirst();
  if (!done || !done.completed || !done.recurrence || !done.completed_at) return false;
  const existing = await tx.selectFrom('tasks').select('id').where('spawned_from', '=', taskId).executeTakeFirst();
  if (existing) return false;
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
  // COUNT/UNTIL ended the series, or it left the years the API accepts (DESIGN §10)
  if (!next || !inDateRange(next.due)) return false;
  const row = await insertTask(tx, {
    user_id: done.user_id,
    title: done.title,
    description: done.description,
    completed: false,
    completed_at: null,
    priority: done.priority,
    tags: done.tags,
    due_date: next.due,
    timezone: done.timezone,
    reminders: JSON.stringify(reanchor(done, next.due)),
    recurrence: done.recurrence,
    recurrence_basis: done.recurrence_basis,
    series_id: done.series_id,
    series_start: done.series_start ?? next.due,
    series_index: next.index,
    spawned_from: done.id,
    created_at: now, // millisecond precision, like the list cursor (see TaskService.create)
    updated_at: now,
  });
  const task = toTask(row);
  // a new row: nothing to replace, only its reminders to add
  await insertReminders(tx, pendingReminders({ ...row, reminders: task.reminders }, now));
  await recordTaskEvent(tx, 'created', task, now);
  return true;
}

/** Relative reminders move with the due date by definition; absolute ones shift by the same distance. */
function reanchor(done: TaskRow, nextDue: Date): Reminder[] {
  const shift = done.due_date ? nextDue.getTime() - done.due_date.getTime() : null;
  return (done.reminders as Reminder[]).flatMap((r): Reminder[] => {
    if ('before_minutes' in r) return [r];
    return shift === null ? [] : [{ at: new Date(new Date(r.at).getTime() + shift).toISOString() }];
  });
}
