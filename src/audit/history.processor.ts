/** Audit trail: every task event becomes one history row, keyed by the event id (duplicates are no-ops). */
import type { Db } from '../db/types.js';
import { batchConsumer, type Subscription } from '../events/bus.js';
import { TOPICS, type TaskEvent } from '../events/schemas.js';

const row = (event: TaskEvent) => ({
  event_id: event.event_id,
  task_id: event.task_id,
  user_id: event.user_id,
  event_type: event.event_type,
  occurred_at: event.timestamp,
  data: JSON.stringify(event.data),
});

/** One multi-row INSERT a batch; a redelivered event id is a no-op. */
export function historyProcessor(deps: { db: Db }): Subscription<'task-events'> {
  return batchConsumer('audit-history', TOPICS.taskEvents, async (events: TaskEvent[]) => {
    await deps.db
      .insertInto('task_history')
      .values(events.map(row))
      .onConflict((oc) => oc.column('event_id').doNothing())
      .execute();
  });
}
