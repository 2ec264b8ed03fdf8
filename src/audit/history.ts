/**
 * The audit trail read back: one entry per task event, oldest first. The history consumer
 * (`history.processor.ts`) writes it.
 */
import type { Executor } from '../db/types.js';
import type { Task } from '../tasks/model.js';
import type { HistoryEntry } from './model.js';

/** A task's history, and the user of its first event (its creator), which outlives the task. */
export async function readHistory(db: Executor, taskId: number): Promise<{ creator: string | undefined; entries: HistoryEntry[] }> {
  const rows = await db
    .selectFrom('task_history')
    .select(['event_id', 'event_type', 'occurred_at', 'data', 'user_id'])
    .where('task_id', '=', taskId)
    .orderBy('occurred_at')
    .orderBy('event_id')
    .execute();
  return {
    creator: rows[0]?.user_id,
    entries: rows.map((r) => ({
      event_id: r.event_id,
      event_type: r.event_type,
      timestamp: r.occurred_at.toISOString(),
      data: r.data as Task,
    })),
  };
}
