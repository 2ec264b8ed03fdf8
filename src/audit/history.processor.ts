/** Audit trail: every task event becomes one history row, keyed by the event id (duplicates are no-ops). */
import type { Db } from '../db/types.js';
import type { Subscription } from '../events/bus.js';
import { TOPICS, type TaskEvent } from '../events/schemas.js';

const row = (event: TaskEvent) => ({
  event_id: event.event_id,
  task_id: event.task_id,
  user_id: event.user_id,
  event_type: event.event_type,
  occurred_at: event.timestamp,
  data: JSON.stringify(event.data),
});

export function historyProcessor(deps: { db: Db }): Subscription<'task-events'> {
  const insert = (events: TaskEvent[]) =>
    deps.db
      .insertInto('task_history')
      .values(events.map(row))
      .onConflict((oc) => oc.column('event_id').doNothing())
      .execute();
  return {
    name: 'audit-history',
    topic: TOPICS.taskEvents,
    async handle(event: TaskEvent) {
      await insert([event]);
    },
    // one multi-row INSERT for a batch; a redelivered event id is a no-op either way
    async handleMany(events: TaskEvent[]) {
      await insert(events);
    },
  };
}
