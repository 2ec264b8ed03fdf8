/** The audit trail as the API shows it: one TypeBox schema for validation, OpenAPI and the `HistoryEntry` type. */
import { Type, type Static } from '@sinclair/typebox';
import { Task } from '../tasks/model.js';

/** One task event: its type, when, and the task as it was after it. */
export const HistoryEntry = Type.Object({
  event_id: Type.String(),
  event_type: Type.String(),
  timestamp: Type.String(),
  data: Task,
});
export type HistoryEntry = Static<typeof HistoryEntry>;
