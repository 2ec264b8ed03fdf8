/** Database row → the API's task representation (and back for priorities). */
import type { TaskRow } from '../db/types.js';
import { PRIORITIES, type Priority, type Reminder, type Task } from './model.js';

export const priorityRank = (p: Priority): number => PRIORITIES.indexOf(p);
export const priorityName = (rank: number): Priority => PRIORITIES[rank] ?? 'none';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Read-only counts of a task's direct subtasks (src/tasks/tree.ts reads them). */
export interface SubtaskCounts {
  subtask_count: number;
  completed_subtask_count: number;
}
export const NO_SUBTASKS: SubtaskCounts = { subtask_count: 0, completed_subtask_count: 0 };

export function toTask(row: TaskRow, counts: SubtaskCounts): Task {
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
    project_id: row.project_id,
    parent_id: row.parent_id,
    position: row.position,
    assignee_id: row.assignee_id ?? null,
    subtask_count: counts.subtask_count,
    completed_subtask_count: counts.completed_subtask_count,
  };
}
