/** Database row → the API's task representation (and back for priorities). */
import type { TaskRow } from '../db/types.js';
import { PRIORITIES, type Priority, type Reminder, type Task } from './model.js';

export const priorityRank = (p: Priority): number => PRIORITIES.indexOf(p);
export const priorityName = (rank: number): Priority => PRIORITIES[rank] ?? 'none';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    user_id: row.user_id,
    title: row.title,
    description: row.description,
    completed: row.completed,
    status: row.completed ? 'completed' : 'pending',
    completed_at: iso(row.completed_at),
    priority: priorityName(row.priority),
    tags: row.tags,
    due_date: iso(row.due_date),
    timezone: row.timezone,
    reminders: row.reminders as Reminder[],
    recurrence: row.recurrence,
    recurrence_basis: row.recurrence_basis === 'completion' ? 'completion' : 'due_date',
    series_id: row.series_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    version: row.version,
  };
}
