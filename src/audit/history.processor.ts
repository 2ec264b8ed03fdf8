/** Audit trail: every task event becomes one history row, keyed by the event id (duplicates are no-ops). */
import type { Db } from '../db/types.js';
import type { Subscription } from '../events/bus.js';
import { TOPICS, type TaskEvent } from '../events/schemas.js';

export function historyProcessor(deps: { db: Db }): Subscription<'task-events'> {
  return {
    name: 'audit-history',
    topic: TOPICS.taskEvents,
    async handle(event: TaskEvent) {
      await deps.db
        .insertInto('task_history')
        .values({
          event_id: event.event_id,
          task_id: event.task_id,
          user_id: event.user_id,
          event_type: event.event_type,
          occurred_at: event.timestamp,
          data: JSON.stringify(event.data),
        })
        .onConflict((oc) => oc.column('event_id').doNothing())
        .execute();
    },
  };
}
